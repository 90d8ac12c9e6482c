/** The extraction processor (interaction.recorded -> facts.extracted), for both runtimes; it feeds the graph read model. */
export * from './extraction.processor.js';
