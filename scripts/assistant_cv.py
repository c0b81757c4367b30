"""Cross-validation and fitting of the assistant's confidence model.

Reads the JSON lines `atbalsts assistant signals` writes: each question with its
expected ids, style, the results, the decision's features (confidence::FEATURES)
and, in semantic mode, the fused candidates (lexical score over the best hit's,
cosine similarity). For each of k folds, stratified by style and by in or out of
scope, it chooses on the other folds the fusion weight (by ranking), then the L2
strength and the threshold of a logistic model (by abstain-F1 plus end-to-end
accuracy), and scores that choice on the fold left out. With --write it fits the
same way on every question and writes crates/atbalsts-search/data/assistant-model.json
(the lexical part from the first features only, the semantic part from all).

Before any of it, the replay is checked: the shipped model's probabilities and the
shipped fusion's order must be the server's, or the figures mean nothing.

    python3 scripts/assistant_cv.py SIGNALS.jsonl [--folds 5] [--seed 7] [--write MODEL.json]
"""
import argparse
import json
import random
import statistics
import sys

import numpy as np

LEXICAL = 8  # confidence::LEXICAL_FEATURES
FUSIONS = [0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0]
STRENGTHS = [0.03, 0.1, 0.3, 1.0, 3.0]
THRESHOLDS = [round(t, 2) for t in np.arange(0.3, 0.91, 0.05)]
SETTLED = ("empty", "chit_chat")  # decided before any model


def fused_order(q, w):
    if not q["signals"].get("candidates"):
        return q["results"]
    cands = sorted(q["signals"]["candidates"], key=lambda c: (-(w * c["lex"] + c["sem"]), c["id"]))
    return [c["id"] for c in cands]


def fit(X, y, strength):
    """L2-regularised logistic regression by Newton's method, classes weighed equally."""
    mean, scale = X.mean(0), X.std(0)
    scale[scale < 1e-6] = 1.0
    Z = np.hstack([(X - mean) / scale, np.ones((len(X), 1))])
    cw = np.where(y == 1, len(y) / (2 * max(1, y.sum())), len(y) / (2 * max(1, (1 - y).sum())))
    beta = np.zeros(Z.shape[1])
    reg = np.full(Z.shape[1], 1.0 / strength)
    reg[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-Z @ beta))
        g = Z.T @ (cw * (p - y)) + reg * beta
        H = (Z * (cw * p * (1 - p))[:, None]).T @ Z + np.diag(reg) + 1e-9 * np.eye(Z.shape[1])
        step = np.linalg.solve(H, g)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return {"mean": mean, "scale": scale, "weights": beta[:-1], "bias": beta[-1]}


def prob(model, X):
    return 1 / (1 + np.exp(-(((X - model["mean"]) / model["scale"]) @ model["weights"] + model["bias"])))


def metrics(items, orders, abst):
    ins = [q for q in items if q["expected"]]
    out = [q for q in items if not q["expected"]]
    top1 = sum(1 for q in ins if orders[q["id"]][:1] and orders[q["id"]][0] in q["expected"])
    top3 = sum(1 for q in ins if set(orders[q["id"]][:3]) & set(q["expected"]))
    tp = sum(1 for q in out if abst[q["id"]])
    fp = sum(1 for q in ins if abst[q["id"]])
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / len(out) if out else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    e2e = sum(1 for q in ins if not abst[q["id"]] and orders[q["id"]][:1]
              and orders[q["id"]][0] in q["expected"]) + tp
    n = len(ins) or 1
    return {"top1": top1 / n, "top3": top3 / n, "abstain_p": p, "abstain_r": r,
            "abstain_f1": f1, "e2e": e2e / (len(items) or 1)}


def matrix(items, n):
    # Small talk and empty questions are settled before any signal is read.
    return np.array([(q["signals"].get("features") or [0.0] * n)[:n] for q in items], dtype=float)


def labels(items):
    return np.array([0.0 if q["expected"] else 1.0 for q in items])


def choose(train, n):
    """The fusion weight, L2 strength and threshold chosen on `train`."""
    semantic = any(q["signals"].get("candidates") for q in train)
    ins = [q for q in train if q["expected"]]

    def rank_score(w):
        o = {q["id"]: fused_order(q, w) for q in ins}
        return sum(bool(o[q["id"]][:1] and o[q["id"]][0] in q["expected"])
                   + 0.5 * bool(set(o[q["id"]][:3]) & set(q["expected"])) for q in ins)

    w = max(FUSIONS, key=rank_score) if semantic else 0.0
    orders = {q["id"]: fused_order(q, w) for q in train}
    X, y = matrix(train, n), labels(train)
    best = None
    for c in STRENGTHS:
        model = fit(X, y, c)
        p = prob(model, X)
        for t in THRESHOLDS:
            abst = {q["id"]: bool(p[i] >= t or q["verdict"] in SETTLED) for i, q in enumerate(train)}
            m = metrics(train, orders, abst)
            key = m["abstain_f1"] + m["e2e"]
            if best is None or key > best[0]:
                best = (key, c, t, model)
    _, c, t, model = best
    return w, c, t, model


def decide(items, n, w, t, model):
    p = prob(model, matrix(items, n))
    orders = {q["id"]: fused_order(q, w) for q in items}
    abst = {q["id"]: bool(p[i] >= t or q["verdict"] in SETTLED) for i, q in enumerate(items)}
    return orders, abst


def folds(items, k, seed):
    strata = {}
    for q in items:
        strata.setdefault((q.get("style", ""), bool(q["expected"])), []).append(q)
    rng = random.Random(seed)
    out = [[] for _ in range(k)]
    offset = 0
    for key in sorted(strata):
        group = strata[key]
        rng.shuffle(group)
        for i, q in enumerate(group):
            out[(offset + i) % k].append(q)
        offset += len(group)
    return out


def check_replay(items, shipped):
    """The server's decision, replayed from its own features with the shipped model."""
    part = shipped["semantic" if items[0]["signals"].get("mode") == "semantic" else "lexical"]
    n = len(part["features"])
    model = {k: np.array(part[k], dtype=float) for k in ("mean", "scale", "weights")}
    model["bias"] = part["bias"]
    wrong = []
    for q in items:
        if q["verdict"] in SETTLED or not q["signals"].get("features"):
            continue
        p = float(prob(model, np.array([q["signals"]["features"][:n]]))[0])
        if abs(p - q["signals"]["out_of_scope"]) > 1e-3:
            wrong.append(q["id"])
        elif q["results"] and q["signals"].get("candidates"):
            if fused_order(q, shipped["fusion"])[: len(q["results"])] != q["results"]:
                wrong.append(q["id"])
    if wrong:
        sys.exit(f"the replay differs from the assistant on {len(wrong)} questions: {wrong[:10]}")


def report_by_style(decided):
    out_group = [(q, a, o) for q, a, o in decided if not q["expected"]]

    def line(name, group):
        scored = group + [x for x in out_group if x not in group] if name != "(all)" else group
        ins = [(q, o) for q, _, o in group if q["expected"]]
        n = len(ins)
        top1 = sum(1 for q, o in ins if o[:1] and o[0] in q["expected"])
        top3 = sum(1 for q, o in ins if set(o[:3]) & set(q["expected"]))
        tp = sum(1 for q, a, _ in scored if a and not q["expected"])
        fp = sum(1 for q, a, _ in scored if a and q["expected"])
        out = sum(1 for q, _, _ in scored if not q["expected"])
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / out if out else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        cell = lambda v, d: f"{v / d:>8.3f}" if d else f"{'-':>8}"
        abst = sum(1 for _, a, _ in group if a)
        print(f"{name:<16} {len(group):>4} {cell(top1, n)} {cell(top3, n)} {abst / len(group):>8.3f} "
              + (f"{f1:>8.3f}" if out else f"{'-':>8}"))

    print("out of fold        n     top1     top3  abstain abst-F1")
    for style in sorted({q.get("style", "") for q, _, _ in decided}):
        line(style, [x for x in decided if x[0].get("style", "") == style])
    for lang in sorted({q.get("lang", "") for q, _, _ in decided}):
        line(f"lang {lang}", [x for x in decided if x[0].get("lang", "") == lang])
    line("(all)", decided)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("signals")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--shipped", default=None, help="the shipped model, to check the replay")
    ap.add_argument("--write", default=None, help="fit on everything and write the model here")
    args = ap.parse_args()
    items = [json.loads(line) for line in open(args.signals, encoding="utf-8") if line.strip()]
    semantic = items[0]["signals"].get("mode") == "semantic" or any(
        q["signals"].get("mode") == "semantic" for q in items)
    n = len(items[0]["signals"]["features"]) if semantic else LEXICAL
    if args.shipped:
        check_replay(items, json.load(open(args.shipped, encoding="utf-8")))

    keys = ["top1", "top3", "abstain_p", "abstain_r", "abstain_f1", "e2e"]
    rows, decided = [], []
    print(f"{len(items)} questions, {args.folds} folds (seed {args.seed}), "
          f"{'semantic' if semantic else 'lexical'} signals ({n})")
    print(f"{'fold':>4} {'n':>4}  {'fusion':>6} {'C':>5} {'thr':>5} " + " ".join(f"{k:>10}" for k in keys))
    for i, test in enumerate(folds(items, args.folds, args.seed)):
        test_ids = {q["id"] for q in test}
        train = [q for q in items if q["id"] not in test_ids]
        w, c, t, model = choose(train, n)
        orders, abst = decide(test, n, w, t, model)
        m = metrics(test, orders, abst)
        rows.append(m)
        decided.extend((q, abst[q["id"]], orders[q["id"]]) for q in test)
        print(f"{i + 1:>4} {len(test):>4}  {w:>6} {c:>5} {t:>5} " + " ".join(f"{m[k]:>10.3f}" for k in keys))
    report_by_style(decided)
    print("cross-validated  " + "  ".join(
        f"{k} {statistics.mean(r[k] for r in rows):.3f}±{statistics.pstdev([r[k] for r in rows]):.3f}"
        for k in keys))

    if args.write:
        w, c, t, model = choose(items, n)
        part = lambda m, k, thr: {
            "features": FEATURE_NAMES[:k], "mean": [round(float(x), 6) for x in m["mean"]],
            "scale": [round(float(x), 6) for x in m["scale"]],
            "weights": [round(float(x), 6) for x in m["weights"]], "bias": round(float(m["bias"]), 6),
            "threshold": float(thr)}
        try:
            current = json.load(open(args.write, encoding="utf-8"))
        except (OSError, ValueError):
            current = None
        out = current or {}
        if semantic:
            out["semantic"], out["fusion"] = part(model, n, t), w
        else:
            out["lexical"] = part(model, n, t)
        with open(args.write, "w", encoding="utf-8") as f:
            f.write(layout(out))
        print(f"wrote the {'semantic' if semantic else 'lexical'} part of {args.write} "
              f"(fusion {w}, C {c}, threshold {t})")


def layout(model):
    """The model file with one array per line, so a refit reads as a small diff."""
    parts = []
    for name in ("lexical", "semantic"):
        if name in model:
            body = ",\n".join(f'  "{k}": {json.dumps(model[name][k])}' for k in
                              ("features", "mean", "scale", "weights", "bias", "threshold"))
            parts.append(f' "{name}": {{\n{body}\n }}')
    return "{\n" + f' "fusion": {json.dumps(model.get("fusion", 0.0))},\n' + ",\n".join(parts) + "\n}\n"


FEATURE_NAMES = ["lex_bm25", "lex_coverage", "lex_title_match", "lex_margin", "known_share",
                 "topic_words", "lang_en", "unserved_named", "sem_top", "sem_margin",
                 "sem_of_lex_top", "agree", "beyond_minus_top", "unserved_minus_top"]

if __name__ == "__main__":
    main()
