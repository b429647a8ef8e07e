using FaceVector.Services.Web;
using Microsoft.AspNetCore.Builder;

namespace FaceVector.Services.Hosting;

/// <summary>Which services a host runs.</summary>
[Flags]
public enum FaceVectorRoles
{
    Embedding = 1,
    Search = 2,
    /// <summary>Both, search calling the embedder in-process (<c>facevector serve</c>).</summary>
    Combined = Embedding | Search,
    /// <summary>The search page and its HTTP API (needs <see cref="Search"/>); <c>facevector serve</c> maps it on its own port.</summary>
    Web = 4,
}

/// <summary>
/// Builds a host with any mix of the servers: <c>facevector serve</c> (all, in one process) and the tests. The
/// embedding and search host projects use their own server library only
/// (<see cref="EmbeddingServerExtensions.BuildEmbeddingHost"/>, <see cref="SearchServerExtensions.BuildSearchHost"/>).
/// </summary>
public static class FaceVectorHost
{
    /// <param name="configure">Runs first, before any setting is read: tests and <c>serve</c> add configuration and URLs here.</param>
    public static WebApplication Build(FaceVectorRoles roles, string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        if (roles.HasFlag(FaceVectorRoles.Web) && !roles.HasFlag(FaceVectorRoles.Search))
        {
            throw new ArgumentException("the web page searches the index: it needs the search role too", nameof(roles));
        }

        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        configure?.Invoke(builder);
        builder.AddServiceDefaults(roles switch
        {
            FaceVectorRoles.Embedding => "facevector-embedding",
            FaceVectorRoles.Search => "facevector-search",
            _ => "facevector",
        });
        builder.AddFaceVectorGrpcServer();
        if (roles.HasFlag(FaceVectorRoles.Embedding))
        {
            builder.Services.AddFaceEmbedding(builder.Configuration);
        }

        if (roles.HasFlag(FaceVectorRoles.Search))
        {
            builder.Services.AddFaceSearch(builder.Configuration);
            if (roles.HasFlag(FaceVectorRoles.Embedding))
            {
                builder.Services.AddInProcessProbeEmbedder();
            }
            else
            {
                builder.Services.AddGrpcProbeEmbedder(builder.Configuration);
            }
        }

        if (roles.HasFlag(FaceVectorRoles.Web))
        {
            builder.Services.AddFaceVectorWeb(builder.Configuration);
        }

        WebApplication app = builder.Build();
        if (roles.HasFlag(FaceVectorRoles.Embedding))
        {
            app.MapFaceEmbedding();
        }

        if (roles.HasFlag(FaceVectorRoles.Search))
        {
            app.MapFaceSearch();
        }

        if (roles.HasFlag(FaceVectorRoles.Web))
        {
            app.UseFaceVectorWebGuards();
            app.MapFaceVectorWeb();
        }

        app.MapFaceVectorGrpcDefaults();
        return app;
    }
}
