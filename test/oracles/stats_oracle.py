"""
Independent references for test/stats-*.test.ts, run by /usr/bin/python3 (numpy, scipy).

Reads {"jobs": [...]} as JSON on stdin and writes one result per job as JSON on stdout. Job kinds:
  normal          scipy.special.ndtr / ndtri at given points
  scipy_bootstrap scipy.stats.bootstrap of a (clustered, seed-crossed) contrast: the groups and each row's
                  seeds are passed as independent samples of indices, which scipy resamples with replacement
                  independently -- exactly the two-way design of src/metrics/stats/bootstrap.ts
  acceleration    the BCa acceleration from leave-one-group-out / leave-one-seed-out jackknives, computed by
                  deleting raw faces (not from group sums)
  enumerate       the exact bootstrap distribution of a tiny contrast: every ordered draw of groups and seeds
  signflip        the exact sign-flip p-value by enumerating all 2^G sign patterns
"""
import itertools
import json
import sys

import numpy as np
from scipy import special, stats


def group_index(groups):
    names = list(dict.fromkeys(groups))
    return names, np.array([names.index(g) for g in groups])


def sums_of(job):
    """Per-term (S, G) group sums and the face counts per group."""
    names, gi = group_index(job["groups"])
    G = len(names)
    counts = np.bincount(gi, minlength=G).astype(float)
    sums = []
    for t in job["terms"]:
        v = np.asarray(t["values"], dtype=float)
        sums.append(np.stack([np.bincount(gi, weights=row, minlength=G) for row in v]))
    return names, gi, counts, sums


def contrast_statistic(job):
    names, gi, counts, sums = sums_of(job)
    weights = [t["weight"] for t in job["terms"]]

    def statistic(*samples, axis=-1):
        g = samples[0]
        cnt = counts[g].sum(axis=-1)
        out = 0.0
        k = 1
        for w, s in zip(weights, sums):
            S = s.shape[0]
            if S == 1:
                total = s[0][g].sum(axis=-1)
            else:
                si = samples[k]
                k += 1
                total = s[si[..., :, None], g[..., None, :]].sum(axis=(-1, -2)) / S
            out = out + w * total / cnt
        return out

    data = [np.arange(len(names))] + [np.arange(s.shape[0]) for s in sums if s.shape[0] > 1]
    return statistic, data


def scipy_bootstrap(job):
    statistic, data = contrast_statistic(job)
    method = {"percentile": "percentile", "bca": "BCa"}[job["method"]]
    r = stats.bootstrap(tuple(data), statistic, vectorized=True, n_resamples=job["resamples"], confidence_level=job["level"],
                        method=method, random_state=np.random.default_rng(job["seed"]))
    return {"lo": float(r.confidence_interval.low), "hi": float(r.confidence_interval.high), "se": float(r.standard_error),
            "estimate": float(statistic(*[d[None, :] for d in data])[0])}


def raw_contrast(job, keep_face, keep_seed):
    """The contrast recomputed from raw values with some faces / one row's seeds deleted."""
    out = 0.0
    for r, t in enumerate(job["terms"]):
        v = np.asarray(t["values"], dtype=float)[:, keep_face]
        if keep_seed is not None and keep_seed[0] == r:
            v = np.delete(v, keep_seed[1], axis=0)
        out += t["weight"] * v.mean()
    return out


def acceleration(job):
    names, gi = group_index(job["groups"])
    parts = []
    thetas = [raw_contrast(job, gi != g, None) for g in range(len(names))]
    parts.append(np.asarray(thetas))
    for r, t in enumerate(job["terms"]):
        S = len(t["values"])
        if S > 1:
            parts.append(np.asarray([raw_contrast(job, np.ones(len(gi), bool), (r, s)) for s in range(S)]))
    # Σ(θ̄−θᵢ)³ / (6 (Σ(θ̄−θᵢ)²)^1.5) per sample; summed over samples with scipy's (n−1)/n scaling.
    num = sum((((len(th) - 1) * (th.mean() - th)) ** 3).sum() / len(th) ** 3 for th in parts)
    den = sum((((len(th) - 1) * (th.mean() - th)) ** 2).sum() / len(th) ** 2 for th in parts)
    return {"a": float(num / (6 * den ** 1.5)) if den > 0 else 0.0}


def enumerate_exact(job):
    statistic, data = contrast_statistic(job)
    draws = [np.array(list(itertools.product(d, repeat=len(d)))) for d in data]
    grids = np.meshgrid(*[np.arange(len(x)) for x in draws], indexing="ij")
    samples = [x[g.ravel()] for x, g in zip(draws, grids)]
    values = statistic(*samples)
    rounded = np.round(values, 12)
    support, counts = np.unique(rounded, return_counts=True)
    return {"support": support.tolist(), "prob": (counts / len(values)).tolist(), "mean": float(values.mean()),
            "sd": float(values.std()), "draws": int(len(values))}


def signflip(job):
    names, gi = group_index(job["groups"])
    a = np.asarray(job["a"], dtype=float).mean(axis=0)
    b = np.asarray(job["b"], dtype=float).mean(axis=0)
    D = np.bincount(gi, weights=a - b, minlength=len(names))
    G = len(D)
    threshold = abs(D.sum()) - 1e-9 * np.abs(D).sum()
    count = 0
    chunk = 1 << 16
    for start in range(0, 1 << G, chunk):
        masks = np.arange(start, min(start + chunk, 1 << G))
        signs = 1 - 2 * ((masks[:, None] >> np.arange(G)[None, :]) & 1)
        count += int((np.abs(signs @ D) >= threshold).sum())
    return {"count": count, "patterns": 1 << G, "p": count / (1 << G)}


def normal(job):
    return {"cdf": special.ndtr(np.asarray(job["x"], dtype=float)).tolist(),
            "quantile": special.ndtri(np.asarray(job["p"], dtype=float)).tolist()}


KINDS = {"normal": normal, "scipy_bootstrap": scipy_bootstrap, "acceleration": acceleration,
         "enumerate": enumerate_exact, "signflip": signflip}

if __name__ == "__main__":
    jobs = json.load(sys.stdin)["jobs"]
    json.dump([KINDS[j["kind"]](j) for j in jobs], sys.stdout)
