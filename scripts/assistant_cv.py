"""Cross-validation of the assistant's abstain decision over recorded signals.

Reads the JSON lines `atbalsts assistant signals` writes (each question with its
expected ids, style, the ranked results and the decision's signals), replays the
decision of crates/atbalsts-search/src/assistant.rs for any choice of its
constants, and for each of k stratified folds chooses the constants on the other
folds and scores them on that one. The ranking itself does not depend on these
constants, so top-1 and top-3 are the same for every choice.

    python3 scripts/assistant_cv.py SIGNALS.jsonl [--folds 5] [--seed 7]
"""
import argparse
import itertools
import json
import random
import statistics
import sys

# The shipped constants (assistant.rs): MIN_SCORE, MIN_COVERAGE, SURE_SCORE, SERVICE_NAMED.
SHIPPED = (8.0, 0.5, 30.0, 0.75)
GRID = {
    "min_score": [4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0],
    "min_coverage": [0.3, 0.4, 0.5, 0.6, 0.7],
    "sure_score": [20.0, 30.0, 40.0, 60.0, float("inf")],
    "service_named": [0.5, 0.6, 0.75, 0.9, 1.01],
}


def abstains(item, c):
    """The decision of KbIndex::ask for constants c, from the recorded signals."""
    min_score, min_coverage, sure_score, service_named = c
    if item["verdict"] in ("empty", "chit_chat"):
        return True
    s = item["signals"]
    if not s["articles"]:
        return True
    for i, svc in enumerate(s["services"]):
        if (i == 0 or svc["title_match"] >= service_named) and svc["code"] and not svc["has_article"]:
            return True
    top = s["articles"][0]
    return top["bm25"] < min_score or (top["coverage"] < min_coverage and top["bm25"] < sure_score)


def scores(items, c):
    inscope = [q for q in items if q["expected"]]
    out = [q for q in items if not q["expected"]]
    top1 = sum(1 for q in inscope if q["results"][:1] and q["results"][0] in q["expected"])
    top3 = sum(1 for q in inscope if set(q["results"][:3]) & set(q["expected"]))
    abst = {q["id"]: abstains(q, c) for q in items}
    tp = sum(1 for q in out if abst[q["id"]])
    fp = sum(1 for q in inscope if abst[q["id"]])
    fn = len(out) - tp
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    e2e = sum(
        1 for q in inscope if not abst[q["id"]] and q["results"][:1] and q["results"][0] in q["expected"]
    ) + tp
    n = len(inscope) or 1
    return {
        "top1": top1 / n,
        "top3": top3 / n,
        "abstain_p": p,
        "abstain_r": r,
        "abstain_f1": f1,
        "e2e": e2e / (len(items) or 1),
    }


def report_by_style(decided):
    """Top-1, top-3 and abstaining per style over the out-of-fold decisions. Abstain-F1
    needs both kinds of question: a style's is over its questions together with every
    out-of-scope one (what its abstentions cost against what the out-of-scope catch)."""
    out_group = [(q, a) for q, a in decided if not q["expected"]]

    def line(name, group):
        scored = group + [x for x in out_group if x not in group] if name != "(all)" else group
        ins = [q for q, _ in group if q["expected"]]
        n = len(ins)
        top1 = sum(1 for q in ins if q["results"][:1] and q["results"][0] in q["expected"])
        top3 = sum(1 for q in ins if set(q["results"][:3]) & set(q["expected"]))
        tp = sum(1 for q, a in scored if a and not q["expected"])
        fp = sum(1 for q, a in scored if a and q["expected"])
        out = sum(1 for q, _ in scored if not q["expected"])
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / out if out else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        cell = lambda v, d: f"{v / d:>8.3f}" if d else f"{'-':>8}"
        f1_cell = f"{f1:>8.3f}" if out else f"{'-':>8}"
        abst = sum(1 for _, a in group if a)
        print(f"{name:<16} {len(group):>4} {cell(top1, n)} {cell(top3, n)} {abst / len(group):>8.3f} {f1_cell}")

    print("out of fold        n     top1     top3  abstain abst-F1")
    for style in sorted({q.get("style", "") for q, _ in decided}):
        line(style, [(q, a) for q, a in decided if q.get("style", "") == style])
    for lang in sorted({q.get("lang", "") for q, _ in decided}):
        line(f"lang {lang}", [(q, a) for q, a in decided if q.get("lang", "") == lang])
    line("(all)", decided)


def objective(m):
    # Both halves of the job: abstain on what the knowledge base does not cover,
    # answer correctly what it does.
    return m["abstain_f1"] + m["e2e"]


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("signals")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    items = [json.loads(line) for line in open(args.signals, encoding="utf-8") if line.strip()]

    # The replay must be the decision the server makes, or the figures mean nothing.
    wrong = [q["id"] for q in items if abstains(q, SHIPPED) == q["answer"]]
    if wrong:
        sys.exit(f"the replay differs from the assistant on {len(wrong)} questions: {wrong[:10]}")

    grid = list(itertools.product(*GRID.values()))
    parts = folds(items, args.folds, args.seed)
    keys = ["top1", "top3", "abstain_p", "abstain_r", "abstain_f1", "e2e"]
    chosen_rows, shipped_rows = [], []
    # Each question with the decision of the constants chosen without its fold.
    out_of_fold = []
    print(f"{len(items)} questions, {args.folds} folds (seed {args.seed}), {len(grid)} candidate settings")
    print(f"{'fold':>4} {'n':>4}  {'chosen (min_score, min_cov, sure, service_named)':<44} "
          + " ".join(f"{k:>10}" for k in keys))
    for i, test in enumerate(parts):
        train = [q for j, p in enumerate(parts) if j != i for q in p]
        best = max(grid, key=lambda c: (objective(scores(train, c)), c == SHIPPED))
        out_of_fold.extend((q, abstains(q, best)) for q in test)
        m = scores(test, best)
        chosen_rows.append(m)
        shipped_rows.append(scores(test, SHIPPED))
        print(f"{i + 1:>4} {len(test):>4}  {str(best):<44} " + " ".join(f"{m[k]:>10.3f}" for k in keys))
    report_by_style(out_of_fold)
    for name, rows in (("cross-validated", chosen_rows), ("shipped constants", shipped_rows)):
        cells = []
        for k in keys:
            vals = [r[k] for r in rows]
            cells.append(f"{statistics.mean(vals):.3f}±{statistics.pstdev(vals):.3f}")
        print(f"{name:<20} " + "  ".join(f"{k} {c}" for k, c in zip(keys, cells)))


if __name__ == "__main__":
    main()
