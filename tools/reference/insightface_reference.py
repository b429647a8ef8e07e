#!/usr/bin/env python3
"""Independent reference of insightface's detection + alignment + ArcFace pipeline, for checking FaceVector.

It follows insightface's own python code path (model_zoo/scrfd.py, utils/face_align.py, model_zoo/arcface_onnx.py)
with OpenCV for decoding/resizing/warping, scikit-image for the similarity transform and ONNX Runtime for the models.
It is a test tool: it writes one JSON line per image, {"path", "faces": [{"bbox", "score", "keypoints", "embedding"}]},
so that tools/reference/compare.py can compare FaceVector's `facevector embed --jsonl` output with it face by face.
Needs numpy, opencv-python, scikit-image and onnxruntime (not available on the CI machine; run where they are).
"""
import argparse
import json
import os
import sys

import cv2
import numpy as np
import onnxruntime as ort
from skimage import transform as trans

ARCFACE_DST = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32)


def nms(dets, thresh):
    x1, y1, x2, y2, scores = dets[:, 0], dets[:, 1], dets[:, 2], dets[:, 3], dets[:, 4]
    areas = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = scores.argsort()[::-1]
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(i)
        xx1 = np.maximum(x1[i], x1[order[1:]])
        yy1 = np.maximum(y1[i], y1[order[1:]])
        xx2 = np.minimum(x2[i], x2[order[1:]])
        yy2 = np.minimum(y2[i], y2[order[1:]])
        w = np.maximum(0.0, xx2 - xx1 + 1)
        h = np.maximum(0.0, yy2 - yy1 + 1)
        inter = w * h
        ovr = inter / (areas[i] + areas[order[1:]] - inter)
        inds = np.where(ovr <= thresh)[0]
        order = order[inds + 1]
    return keep


class Scrfd:
    def __init__(self, path, input_size=(640, 640), thresh=0.5, nms_thresh=0.4):
        self.session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.input_size = input_size
        self.thresh = thresh
        self.nms_thresh = nms_thresh

    def detect(self, img):
        im_ratio = float(img.shape[0]) / img.shape[1]
        model_ratio = float(self.input_size[1]) / self.input_size[0]
        if im_ratio > model_ratio:
            new_height = self.input_size[1]
            new_width = int(new_height / im_ratio)
        else:
            new_width = self.input_size[0]
            new_height = int(new_width * im_ratio)
        det_scale = float(new_height) / img.shape[0]
        resized = cv2.resize(img, (new_width, new_height))
        det_img = np.zeros((self.input_size[1], self.input_size[0], 3), dtype=np.uint8)
        det_img[:new_height, :new_width, :] = resized
        blob = cv2.dnn.blobFromImage(det_img, 1.0 / 128, self.input_size, (127.5, 127.5, 127.5), swapRB=True)
        outs = self.session.run(self.output_names, {self.input_name: blob})
        scores_l, boxes_l, kps_l = [], [], []
        for idx, stride in enumerate([8, 16, 32]):
            scores = outs[idx]
            boxes = outs[idx + 3] * stride
            kps = outs[idx + 6] * stride
            if scores.ndim == 3:
                scores, boxes, kps = scores[0], boxes[0], kps[0]
            h = self.input_size[1] // stride
            w = self.input_size[0] // stride
            centers = np.stack(np.mgrid[:h, :w][::-1], axis=-1).astype(np.float32)
            centers = (centers * stride).reshape((-1, 2))
            centers = np.stack([centers] * 2, axis=1).reshape((-1, 2))
            pos = np.where(scores >= self.thresh)[0]
            b = np.stack([centers[:, 0] - boxes[:, 0], centers[:, 1] - boxes[:, 1],
                          centers[:, 0] + boxes[:, 2], centers[:, 1] + boxes[:, 3]], axis=-1)
            k = np.stack([centers[:, i % 2] + kps[:, i] for i in range(10)], axis=-1).reshape((-1, 5, 2))
            scores_l.append(scores[pos])
            boxes_l.append(b[pos])
            kps_l.append(k[pos])
        scores = np.vstack(scores_l)
        order = scores.ravel().argsort()[::-1]
        boxes = np.vstack(boxes_l) / det_scale
        kpss = np.vstack(kps_l) / det_scale
        pre = np.hstack((boxes, scores)).astype(np.float32, copy=False)[order, :]
        keep = nms(pre, self.nms_thresh)
        return pre[keep, :], kpss[order, :, :][keep, :, :]


class ArcFace:
    def __init__(self, path):
        self.session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.output_names = [o.name for o in self.session.get_outputs()]

    def embed(self, img, kps, dump=None):
        tform = trans.SimilarityTransform()
        tform.estimate(kps, ARCFACE_DST)
        m = tform.params[0:2, :]
        aligned = cv2.warpAffine(img, m, (112, 112), borderValue=0.0)
        if dump:
            cv2.imwrite(dump, aligned)
        blob = cv2.dnn.blobFromImages([aligned], 1.0 / 127.5, (112, 112), (127.5, 127.5, 127.5), swapRB=True)
        out = self.session.run(self.output_names, {self.input_name: blob})[0][0]
        return out / np.linalg.norm(out)


def images(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in sorted(os.walk(p)):
                for f in sorted(files):
                    yield os.path.join(root, f)
        else:
            yield p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True)
    ap.add_argument("--detector", default="scrfd_det_500m.onnx")
    ap.add_argument("--recognizer", default="w600k_mbf_int8.onnx")
    ap.add_argument("--out", required=True)
    ap.add_argument("--dump-crops", help="write each aligned 112x112 crop as PNG into this folder")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    det = Scrfd(os.path.join(a.models, a.detector))
    rec = ArcFace(os.path.join(a.models, a.recognizer))
    n = 0
    with open(a.out, "w") as out:
        for path in images(a.paths):
            rec_line = {"path": path}
            try:
                img = cv2.imread(path)
                if img is None:
                    raise ValueError("cv2.imread could not decode")
                if img.shape[0] * img.shape[1] > 50_000_000:
                    raise ValueError("over 50 megapixels")
                dets, kpss = det.detect(img)
                faces = []
                for i, (d, k) in enumerate(zip(dets, kpss)):
                    dump = None
                    if a.dump_crops:
                        os.makedirs(a.dump_crops, exist_ok=True)
                        dump = os.path.join(a.dump_crops, f"{n:04d}_{i}.png")
                    faces.append({"bbox": [float(x) for x in d[:4]], "score": float(d[4]),
                                  "keypoints": [float(x) for x in k.ravel()],
                                  "embedding": [float(x) for x in rec.embed(img, k, dump)]})
                rec_line["faces"] = faces
            except Exception as ex:  # a reference run must go on past bad files too
                rec_line["error"] = str(ex)
            out.write(json.dumps(rec_line) + "\n")
            n += 1
    print(f"reference: {n} images written to {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
