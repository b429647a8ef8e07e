namespace FaceVector.Deploy.Tests;

/// <summary>A [Fact] that needs the docker-compose program: skipped, with the reason, where it is not installed.</summary>
public sealed class DockerComposeFactAttribute : FactAttribute
{
    public DockerComposeFactAttribute() => Skip = DockerCompose.Path is null ? "docker-compose not found on PATH (tools/test-prerequisites.sh, run by test.sh, installs Debian's docker-compose)" : null;
}
