namespace FaceVector.Core.Models;

public enum ModelRole
{
    Detector,
    Recognizer,
    /// <summary>Shipped in a pack but not used by FaceVector (landmarks, gender/age).</summary>
    Other,
}

public enum DetectorFamily
{
    Scrfd,
    YuNet,
}

/// <summary>A model file FaceVector knows by name.</summary>
/// <param name="FileName">File name inside the model directory.</param>
/// <param name="Sha256">Expected sha256 when known; null when only the name is known.</param>
/// <param name="RecommendedThreshold">
/// For recognizers: default match threshold measured on labelled faces (cosine similarity). Scores of the same
/// person differ between recognizers, so one number does not fit all.
/// </param>
public sealed record KnownModel(
    string FileName,
    ModelRole Role,
    string Description,
    string Licence,
    string? Sha256 = null,
    DetectorFamily? Family = null,
    float? RecommendedThreshold = null);

/// <summary>An official insightface model pack (a zip of ONNX files).</summary>
public sealed record ModelPack(string Name, Uri Url, string Sha256, long ApproximateBytes, string Detector, string Recognizer);

/// <summary>The models and packs FaceVector knows, with their roles, licences and defaults.</summary>
public static class ModelCatalog
{
    public const string InsightFaceLicence = "InsightFace pretrained weights: non-commercial research use only";

    /// <summary>Threshold for recognizers FaceVector has not measured (the insightface tutorial's value).</summary>
    public const float UnknownModelThreshold = 0.5f;

    public const string DefaultDetector = "scrfd_det_500m.onnx";
    public const string DefaultRecognizer = "w600k_mbf_dq.onnx";

    public static IReadOnlyList<KnownModel> Models { get; } =
    [
        new("scrfd_det_500m.onnx", ModelRole.Detector, "SCRFD-500M face detector, 5 keypoints (buffalo_s det_500m)", InsightFaceLicence,
            "5e4447f50245bbd7966bd6c0fa52938c61474a04ec7def48753668a9d8b4ea3a", DetectorFamily.Scrfd),
        new("det_500m.onnx", ModelRole.Detector, "SCRFD-500M face detector (buffalo_s, buffalo_sc)", InsightFaceLicence,
            "5e4447f50245bbd7966bd6c0fa52938c61474a04ec7def48753668a9d8b4ea3a", DetectorFamily.Scrfd),
        new("scrfd_det_2.5g.onnx", ModelRole.Detector, "SCRFD-2.5G face detector: better on small faces, ~3x slower (buffalo_m det_2.5g)", InsightFaceLicence,
            "041f73f47371333d1d17a6fee6c8ab4e6aecabefe398ff32cca4e2d5eaee0af9", DetectorFamily.Scrfd),
        new("det_2.5g.onnx", ModelRole.Detector, "SCRFD-2.5G face detector (buffalo_m)", InsightFaceLicence,
            "041f73f47371333d1d17a6fee6c8ab4e6aecabefe398ff32cca4e2d5eaee0af9", DetectorFamily.Scrfd),
        new("det_10g.onnx", ModelRole.Detector, "SCRFD-10G face detector (buffalo_l)", InsightFaceLicence, Family: DetectorFamily.Scrfd),
        new("face_detection_yunet_2023mar.onnx", ModelRole.Detector, "YuNet face detector, 5 keypoints (OpenCV model zoo)", "MIT",
            "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4", DetectorFamily.YuNet),
        new("w600k_mbf_dq.onnx", ModelRole.Recognizer, "ArcFace MobileFaceNet, WebFace600K, int8 weights dequantized to fp32 (from w600k_mbf_int8): batch-invariant", InsightFaceLicence,
            "c7210f761e9aae66093a43073e120bb323c09c33ee80811315f9ea4d6e02ab90", RecommendedThreshold: 0.33f),
        new("w600k_mbf_int8.onnx", ModelRole.Recognizer, "ArcFace MobileFaceNet, WebFace600K, dynamic int8 (from buffalo_s w600k_mbf)", InsightFaceLicence,
            "7caa7fb0ad6c37b33e6c59f6411084b487aaabd596bba645d2cce391a5871120", RecommendedThreshold: 0.33f),
        new("w600k_mbf.onnx", ModelRole.Recognizer, "ArcFace MobileFaceNet, WebFace600K, fp32 (buffalo_s, buffalo_sc)", InsightFaceLicence,
            RecommendedThreshold: 0.33f),
        new("w600k_r50.onnx", ModelRole.Recognizer, "ArcFace ResNet-50, WebFace600K (buffalo_l, buffalo_m)", InsightFaceLicence,
            RecommendedThreshold: 0.50f),
        new("1k3d68.onnx", ModelRole.Other, "3D 68-point landmarks (not used)", InsightFaceLicence),
        new("2d106det.onnx", ModelRole.Other, "2D 106-point landmarks (not used)", InsightFaceLicence),
        new("genderage.onnx", ModelRole.Other, "Gender and age (not used)", InsightFaceLicence),
    ];

    /// <summary>
    /// The insightface v0.7 release packs. The sha256 values are those of the published zip files; a download that
    /// does not match is deleted and never unpacked.
    /// </summary>
    public static IReadOnlyList<ModelPack> Packs { get; } =
    [
        new("buffalo_s", new Uri("https://github.com/deepinsight/insightface/releases/download/v0.7/buffalo_s.zip"),
            "d85a87f503f691807cd8bb97128bdf7a0660326cd9cd02657127fa978bab8b5e", 122_000_000, "det_500m.onnx", "w600k_mbf.onnx"),
        new("buffalo_sc", new Uri("https://github.com/deepinsight/insightface/releases/download/v0.7/buffalo_sc.zip"),
            "57d31b56b6ffa911c8a73cfc1707c73cab76efe7f13b675a05223bf42de47c72", 15_000_000, "det_500m.onnx", "w600k_mbf.onnx"),
        new("buffalo_m", new Uri("https://github.com/deepinsight/insightface/releases/download/v0.7/buffalo_m.zip"),
            "d98264bd8f2dc75cbc2ddce2a14e636e02bb857b3051c234b737bf3b614edca9", 264_000_000, "det_2.5g.onnx", "w600k_r50.onnx"),
        new("buffalo_l", new Uri("https://github.com/deepinsight/insightface/releases/download/v0.7/buffalo_l.zip"),
            "80ffe37d8a5940d59a7384c201a2a38d4741f2f3c51eef46ebb28218a7b0ca2f", 288_000_000, "det_10g.onnx", "w600k_r50.onnx"),
    ];

    public static KnownModel? Find(string fileName) =>
        Models.FirstOrDefault(m => string.Equals(m.FileName, Path.GetFileName(fileName), StringComparison.OrdinalIgnoreCase));

    public static ModelPack? FindPack(string name) =>
        Packs.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Default match threshold for a recognizer file (0.5 when the model is unknown).</summary>
    public static float RecommendedThreshold(string recognizerFile) =>
        Find(recognizerFile)?.RecommendedThreshold ?? UnknownModelThreshold;

    /// <summary>
    /// Default match threshold for the recognizer that made a collection, from its model id
    /// (<c>file-name@sha256-prefix</c>, see <see cref="ModelIdentity"/>).
    /// </summary>
    public static float RecommendedThresholdForModelId(string modelId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        var at = modelId.IndexOf('@', StringComparison.Ordinal);
        return RecommendedThreshold((at >= 0 ? modelId[..at] : modelId) + ".onnx");
    }

    /// <summary>Detector family by catalog entry, else by file name.</summary>
    public static DetectorFamily DetectorFamilyOf(string detectorFile) =>
        Find(detectorFile)?.Family
        ?? (Path.GetFileName(detectorFile).Contains("yunet", StringComparison.OrdinalIgnoreCase) ? DetectorFamily.YuNet : DetectorFamily.Scrfd);
}
