import { describe, expect, it } from 'vitest';
import { seededRandom } from '@memfabric/vector-index/testing';
import { sigmoid, trainLogisticRegression } from './logistic-regression.js';

/** Points in [0, 1]², labelled 1 above the line x0 + 2·x1 = 1.5 (a margin of 0.1 either side). */
function separable(n: number, seed: number): { x: number[][]; y: number[] } {
  const next = seededRandom(seed); // mulberry32: the toy data is fixed
  const x: number[][] = [];
  const y: number[] = [];
  while (x.length < n) {
    const p = [next(), next()];
    const side = p[0]! + 2 * p[1]! - 1.5;
    if (Math.abs(side) < 0.1) continue;
    x.push(p);
    y.push(side > 0 ? 1 : 0);
  }
  return { x, y };
}

const predict = (model: { weights: readonly number[]; bias: number }, p: readonly number[]) => sigmoid(model.bias + model.weights.reduce((s, w, j) => s + w * p[j]!, 0));

describe('trainLogisticRegression', () => {
  it('learns a separable toy problem: every training and unseen point on the right side, the boundary’s direction recovered', () => {
    const train = separable(200, 1);
    const model = trainLogisticRegression(train.x, train.y, { l2: 1e-4 });
    expect(model.converged).toBe(true);
    train.x.forEach((p, i) => expect(predict(model, p) > 0.5 ? 1 : 0).toBe(train.y[i]));
    const unseen = separable(200, 2);
    const correct = unseen.x.filter((p, i) => (predict(model, p) > 0.5 ? 1 : 0) === unseen.y[i]).length;
    expect(correct).toBeGreaterThanOrEqual(196);
    // the boundary x0 + 2·x1 = 1.5: w1 ≈ 2·w0, both positive, bias ≈ −1.5·w0
    const [w0, w1] = model.weights as [number, number];
    expect(w0).toBeGreaterThan(0);
    expect(w1 / w0).toBeGreaterThan(1.6);
    expect(w1 / w0).toBeLessThan(2.4);
    expect(-model.bias / w0).toBeGreaterThan(1.2);
    expect(-model.bias / w0).toBeLessThan(1.8);
  });

  it('returns the minimiser of mean log-loss + (λ/2)‖w‖²: the gradient there is 0', () => {
    // overlapping classes: a unique finite optimum
    const next = seededRandom(7);
    const x = Array.from({ length: 300 }, () => [next(), next(), next()]);
    const y = x.map((p) => (next() < sigmoid(3 * p[0]! - 2 * p[1]! + 0.5) ? 1 : 0));
    const l2 = 0.01;
    const model = trainLogisticRegression(x, y, { l2 });
    const gradient = [0, 0, 0, 0];
    x.forEach((p, i) => {
      const r = predict(model, p) - y[i]!;
      p.forEach((v, j) => (gradient[j]! += r * v));
      gradient[3]! += r;
    });
    const g = gradient.map((v, j) => v / x.length + (j < 3 ? l2 * model.weights[j]! : 0));
    for (const v of g) expect(Math.abs(v)).toBeLessThan(1e-8);
    expect(model.weights[0]).toBeGreaterThan(0);
    expect(model.weights[1]).toBeLessThan(0);
  });

  it('shrinks the weights as λ grows and leaves the bias unpenalised', () => {
    const { x, y } = separable(100, 3);
    const norm = (l2: number) => Math.hypot(...trainLogisticRegression(x, y, { l2 }).weights);
    expect(norm(1e-3)).toBeGreaterThan(norm(1e-1));
    expect(norm(1e-1)).toBeGreaterThan(norm(10));
    // all labels 1 and a huge λ: weights near 0, the bias alone fits the base rate
    const ones = trainLogisticRegression(x, x.map(() => 1), { l2: 1e6, maxIterations: 200 });
    expect(Math.hypot(...ones.weights)).toBeLessThan(1e-3);
    expect(sigmoid(ones.bias)).toBeGreaterThan(0.99);
  });

  it('is deterministic: the same inputs give the same model', () => {
    const { x, y } = separable(150, 4);
    expect(trainLogisticRegression(x, y, { l2: 1e-3 })).toEqual(trainLogisticRegression(x, y, { l2: 1e-3 }));
  });

  it('rejects inputs it cannot fit, saying what is wrong', () => {
    expect(() => trainLogisticRegression([], [], { l2: 1 })).toThrow(/at least one/);
    expect(() => trainLogisticRegression([[1], [1, 2]], [0, 1], { l2: 1 })).toThrow(/example 1 has 2 features/);
    expect(() => trainLogisticRegression([[1], [Number.NaN]], [0, 1], { l2: 1 })).toThrow(/finite/);
    expect(() => trainLogisticRegression([[1], [2]], [0, 2], { l2: 1 })).toThrow(/label 1 must be 0 or 1/);
    expect(() => trainLogisticRegression([[1]], [0], { l2: 0 })).toThrow(/l2/);
  });
});
