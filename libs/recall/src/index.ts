export * from './types.js';
export * from './backend.js';
export * from './channel.js';
export * from './channels/index.js';
export { RecallEngine, type RecallEngineOptions } from './engine.js';
export { BUILTIN_PRESETS, DEFAULT_PRESET, DEFAULT_RRF_K, findPreset, validatePresets } from './presets.js';
export { weightedRrf, mmr, jaccard, wordSet, type ChannelRanking, type FusedItem } from './fusion.js';
export { candidateNames, lexicalQueryText, MAX_NAME_WORDS } from './query-terms.js';
export { validateRecallRequest, type ValidRecallRequest } from './validation.js';
export {
  DEFAULT_FUSION_L2,
  fusionFeatureNames,
  fusionFeatures,
  LEARNED_FUSION_FORMAT,
  learnedFusion,
  learnedFusionModelSchema,
  parseLearnedFusionModel,
  trainLearnedFusion,
  type FusionCandidate,
  type FusionTrainingQuestion,
  type LearnedFusionModel,
  type TrainLearnedFusionOptions,
} from './learned-fusion.js';
export { sigmoid, trainLogisticRegression, type LogisticModel, type LogisticRegressionOptions } from './logistic-regression.js';
