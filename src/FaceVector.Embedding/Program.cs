using FaceVector.Services.Hosting;

// The embedding service: loads the models once and serves facevector.v1.FaceEmbedding (see docs/services.md).
return await EmbeddingServerExtensions.BuildEmbeddingHost(args).RunCheckedAsync("facevector-embedding");
