import 'reflect-metadata';

export { PROJECTOR_PROJECTIONS, readProjectorSettings, startProjector, type ProjectorProjection, type ProjectorSettings, type RunningProjector } from './projector.server.js';
