#!/usr/bin/env python3
"""Compares FaceVector's `embed --jsonl` output with the insightface reference, face by face.

Faces are paired by the best box IoU (>= 0.5). For each pair it reports the cosine similarity of the two embeddings,
and the largest box and keypoint differences in pixels. Paths are matched by their part after --root-marker.
Standard library only.
"""
import argparse
import json
import math
import statistics


def load(path, marker):
    out = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            p = r["path"]
            key = p.split(marker, 1)[1] if marker in p else p
            out[key] = r
    return out


def iou(a, b):
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / ua if ua > 0 else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", required=True)
    ap.add_argument("--candidate", required=True)
    ap.add_argument("--root-marker", default=".device-ref/data/")
    a = ap.parse_args()
    ref = load(a.reference, a.root_marker)
    cand = load(a.candidate, a.root_marker)
    cosines, box_diffs, kps_diffs = [], [], []
    only_ref = only_cand = 0
    rows = []
    for key in sorted(set(ref) | set(cand)):
        r, c = ref.get(key, {}), cand.get(key, {})
        rf, cf = r.get("faces") or [], c.get("faces") or []
        used = set()
        for face in rf:
            best, best_iou = None, 0.5
            for j, other in enumerate(cf):
                if j not in used and iou(face["bbox"], other["bbox"]) >= best_iou:
                    best, best_iou = j, iou(face["bbox"], other["bbox"])
            if best is None:
                only_ref += 1
                rows.append(f"MISSING in FaceVector: {key} ref face score {face['score']:.3f} bbox {[round(x) for x in face['bbox']]}")
                continue
            used.add(best)
            other = cf[best]
            cos = sum(x * y for x, y in zip(face["embedding"], other["embedding"] or []))
            cosines.append(cos)
            box_diffs.append(max(abs(x - y) for x, y in zip(face["bbox"], other["bbox"])))
            kps_diffs.append(max(abs(x - y) for x, y in zip(face["keypoints"], other["keypoints"])))
            if cos < 0.99:
                rows.append(f"LOW cos {cos:.4f}: {key} bbox ref {[round(x) for x in face['bbox']]} ours {[round(x) for x in other['bbox']]}")
        extra = len(cf) - len(used)
        if extra > 0:
            only_cand += extra
            rows.append(f"EXTRA in FaceVector: {key}: {extra} face(s) the reference did not find")
        if ("error" in r) != ("error" in c):
            rows.append(f"ERROR differs: {key}: reference {r.get('error')!r} / FaceVector {c.get('error')!r}")
    for row in rows:
        print(row)
    n = len(cosines)
    if n:
        print(f"paired faces: {n}; cosine min {min(cosines):.5f} median {statistics.median(cosines):.5f} mean {statistics.fmean(cosines):.5f}")
        print(f"faces with cosine >= 0.99: {sum(c >= 0.99 for c in cosines)}/{n}; >= 0.999: {sum(c >= 0.999 for c in cosines)}/{n}")
        print(f"max box diff {max(box_diffs):.3f} px (median {statistics.median(box_diffs):.4f}); max keypoint diff {max(kps_diffs):.3f} px (median {statistics.median(kps_diffs):.4f})")
    print(f"images: reference {len(ref)}, FaceVector {len(cand)}; faces only in reference: {only_ref}; only in FaceVector: {only_cand}")


if __name__ == "__main__":
    main()
