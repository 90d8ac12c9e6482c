import { parseLearnedFusionModel, type LearnedFusionModel } from './learned-fusion.js';

/**
 * The learned fusion of the `learned-fusion` preset: pairwise logistic regression over the
 * channel features of `hybrid-rrf`'s first 50 candidates, trained on every question of the
 * LoCoMo dev split (5 conversations, 997 scored questions; Maharana et al., ACL 2024). Written by
 * `MEMFABRIC_EMBEDDER=use npx memfabric eval locomo ../shared/data/locomo/locomo-dev.json
 * --preset hybrid-rrf --learned-fusion hybrid-rrf` (its `learned-fusion.json`, copied verbatim;
 * the training is deterministic, so the command writes these numbers again).
 *
 * Scores of this model on the dev split are in-sample; the honest estimate is the
 * leave-one-conversation-out one in `docs/benchmarks.md` ("Learned fusion").
 */
export const LOCOMO_DEV_FUSION_MODEL: LearnedFusionModel = parseLearnedFusionModel(
  {
    "format": "memfabric.learned-fusion/v1",
    "channels": [
      "lexical",
      "graph",
      "temporal",
      "dense",
      "context",
      "speaker"
    ],
    "features": [
      "lexical.present",
      "lexical.rr",
      "lexical.score",
      "graph.present",
      "graph.rr",
      "graph.score",
      "temporal.present",
      "temporal.rr",
      "temporal.score",
      "dense.present",
      "dense.rr",
      "dense.score",
      "context.present",
      "context.rr",
      "context.score",
      "speaker.present",
      "speaker.rr",
      "speaker.score",
      "rrf.score",
      "rrf.rr"
    ],
    "weights": [
      0.10936907901594597,
      1.1714262717088142,
      2.539503323802703,
      0.0604321250937289,
      0.7602624529539739,
      0.10032489086023663,
      2.0181529308993205,
      0.07253183068377898,
      0.46665403474242956,
      0.48706633066443705,
      -0.20586242899463394,
      0.47182004019159324,
      0.6597491342999918,
      0.10001321273235975,
      0.9136728216534051,
      1.1020102804638077,
      -0.0487142401362242,
      0.41074149373796665,
      0.792657117968809,
      -0.18765276806438907
    ],
    "bias": -1.1631407440915783e-18,
    "pool": 50,
    "training": {
      "basePreset": "hybrid-rrf",
      "dataset": "locomo-dev.json",
      "conversations": [
        "conv-26",
        "conv-30",
        "conv-41",
        "conv-42",
        "conv-43"
      ],
      "method": "L2-regularised logistic regression, Newton-IRLS with backtracking line search, weights from 0",
      "objective": "pairwise",
      "l2": 0.001,
      "questions": 997,
      "examples": 105574,
      "positives": 52787,
      "iterations": 8,
      "converged": true,
      "loss": 0.2203829173803741
    }
  },
  'LOCOMO_DEV_FUSION_MODEL',
);
