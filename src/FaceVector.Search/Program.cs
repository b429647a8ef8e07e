using FaceVector.Services.Hosting;

// The search service: serves facevector.v1.FaceSearch over the index, calling the embedding services (see docs/services.md).
return await SearchServerExtensions.BuildSearchHost(args).RunCheckedAsync("facevector-search");
