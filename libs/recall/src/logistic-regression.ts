/**
 * L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least
 * squares) with a backtracking line search: Hastie, Tibshirani & Friedman, "The Elements of
 * Statistical Learning", 2nd ed., §4.4.1 (Newton–Raphson for logistic regression) and §3.4.1
 * (ridge penalty); Nocedal & Wright, "Numerical Optimization", 2nd ed., Algorithm 3.1
 * (backtracking, Armijo condition).
 *
 * Deterministic: weights start at 0, every pass reads the examples in the given order and there
 * is no sampling, so the same inputs give the same model to the last bit on the same platform.
 * Meant for the few features of a learned fusion (tens); the Hessian is dense, d × d.
 */

/** Options of {@link trainLogisticRegression}. */
export interface LogisticRegressionOptions {
  /** λ of the penalty (λ/2)·‖w‖² added to the mean log-loss; the bias is not penalised. Must be > 0. */
  readonly l2: number;
  /** Newton steps at most (default 50). */
  readonly maxIterations?: number;
  /** Stop when no coordinate moves more than this in a step (default 1e-8). */
  readonly tolerance?: number;
}

/** A fitted model: P(y = 1 | x) = σ(w·x + b). */
export interface LogisticModel {
  readonly weights: readonly number[];
  readonly bias: number;
  /** Newton steps taken. */
  readonly iterations: number;
  /** True when the last step moved no coordinate more than the tolerance. */
  readonly converged: boolean;
  /** The minimised objective, mean log-loss + (λ/2)·‖w‖², at the returned model. */
  readonly objective: number;
}

/** The logistic function 1 / (1 + e^-z), computed without overflow for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/**
 * Fits P(y = 1 | x) = σ(w·x + b) minimising (1/n) Σ_i [log(1 + e^{z_i}) − y_i z_i] + (λ/2)‖w‖².
 *
 * @param x - n examples of d features each (every row the same length d ≥ 1; finite numbers).
 * @param y - n labels, each 0 or 1.
 * @returns the weights (length d), the bias and how the fit went.
 * @throws RangeError when there are no examples, rows differ in length, a value is not finite,
 *   a label is not 0 or 1, or λ is not > 0.
 */
export function trainLogisticRegression(x: readonly (readonly number[])[], y: readonly number[], options: LogisticRegressionOptions): LogisticModel {
  const n = x.length;
  if (n === 0 || n !== y.length) throw new RangeError(`logistic regression needs as many labels as examples and at least one (got ${n} examples, ${y.length} labels)`);
  const d = x[0]!.length;
  if (d === 0) throw new RangeError('logistic regression needs at least one feature');
  if (!(options.l2 > 0) || !Number.isFinite(options.l2)) throw new RangeError(`l2 must be a finite number > 0, got ${options.l2}`);
  x.forEach((row, i) => {
    if (row.length !== d) throw new RangeError(`example ${i} has ${row.length} features, the first has ${d}`);
    if (!row.every(Number.isFinite)) throw new RangeError(`example ${i} has a value that is not a finite number`);
    if (y[i] !== 0 && y[i] !== 1) throw new RangeError(`label ${i} must be 0 or 1, got ${y[i]}`);
  });
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-8;
  const { l2 } = options;
  const m = d + 1; // parameters: d weights, then the bias
  const theta = new Array<number>(m).fill(0);
  const margin = (params: readonly number[], row: readonly number[]) => {
    let z = params[d]!;
    for (let j = 0; j < d; j++) z += params[j]! * row[j]!;
    return z;
  };
  const objective = (params: readonly number[]) => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const z = margin(params, x[i]!);
      loss += softplus(z) - y[i]! * z;
    }
    let penalty = 0;
    for (let j = 0; j < d; j++) penalty += params[j]! * params[j]!;
    return loss / n + (l2 / 2) * penalty;
  };

  let current = objective(theta);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations += 1;
    const gradient = new Array<number>(m).fill(0);
    const hessian = Array.from({ length: m }, () => new Array<number>(m).fill(0));
    for (let i = 0; i < n; i++) {
      const row = x[i]!;
      const p = sigmoid(margin(theta, row));
      const residual = p - y[i]!;
      const w = p * (1 - p);
      for (let a = 0; a < m; a++) {
        const xa = a === d ? 1 : row[a]!;
        gradient[a]! += residual * xa;
        const wa = w * xa;
        const hRow = hessian[a]!;
        for (let b = 0; b <= a; b++) hRow[b]! += wa * (b === d ? 1 : row[b]!);
      }
    }
    for (let a = 0; a < m; a++) {
      gradient[a] = gradient[a]! / n + (a === d ? 0 : l2 * theta[a]!);
      for (let b = 0; b <= a; b++) {
        const value = hessian[a]![b]! / n + (a === b && a !== d ? l2 : 0) + (a === b ? 1e-12 : 0);
        hessian[a]![b] = value;
        hessian[b]![a] = value;
      }
    }
    const step = choleskySolve(hessian, gradient);
    const slope = step.reduce((sum, s, j) => sum + s * gradient[j]!, 0);
    let t = 1;
    let next = theta.map((v, j) => v - t * step[j]!);
    let value = objective(next);
    for (let halvings = 0; value > current - 1e-4 * t * slope && halvings < 40; halvings++) {
      t /= 2;
      next = theta.map((v, j) => v - t * step[j]!);
      value = objective(next);
    }
    const moved = Math.max(...step.map((s) => Math.abs(t * s)));
    if (value <= current) {
      for (let j = 0; j < m; j++) theta[j] = next[j]!;
      current = value;
    }
    if (moved <= tolerance || value > current) {
      converged = moved <= tolerance;
      break;
    }
  }
  return { weights: theta.slice(0, d), bias: theta[d]!, iterations, converged, objective: current };
}

/**
 * Solves A·s = g for a symmetric positive-definite A by Cholesky factorisation A = L·Lᵀ
 * (Golub & Van Loan, "Matrix Computations", 4th ed., Algorithm 4.2.1).
 * @throws RangeError when A is not positive definite.
 */
function choleskySolve(a: readonly (readonly number[])[], g: readonly number[]): number[] {
  const m = g.length;
  const l = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i]![j]!;
      for (let k = 0; k < j; k++) sum -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (!(sum > 0)) throw new RangeError('logistic regression: the Hessian is not positive definite');
        l[i]![i] = Math.sqrt(sum);
      } else {
        l[i]![j] = sum / l[j]![j]!;
      }
    }
  }
  const z = new Array<number>(m).fill(0);
  for (let i = 0; i < m; i++) {
    let sum = g[i]!;
    for (let k = 0; k < i; k++) sum -= l[i]![k]! * z[k]!;
    z[i] = sum / l[i]![i]!;
  }
  const s = new Array<number>(m).fill(0);
  for (let i = m - 1; i >= 0; i--) {
    let sum = z[i]!;
    for (let k = i + 1; k < m; k++) sum -= l[k]![i]! * s[k]!;
    s[i] = sum / l[i]![i]!;
  }
  return s;
}
