namespace FaceVector.Deploy.Tests;

/// <summary>
/// The compose stack is private by default: every published port binds 127.0.0.1 unless a variable says otherwise,
/// and the FaceVector services get their keys as docker secrets (files), never as plain environment values.
/// </summary>
public sealed class ComposeSecurityTests
{
    [Fact]
    public void Nothing_is_published_beyond_loopback_by_default()
    {
        var services = ComposeFiles.Exposure(Repository.SingleNodeCompose[0]).ToList();
        Assert.Contains(services, s => s.Service == "search" && s.Ports.Count > 0);
        foreach ((string service, IReadOnlyList<string> ports, _, _) in services)
        {
            foreach (string port in ports)
            {
                // host_ip:host_port:container_port, where the host ip may be a variable defaulting to loopback.
                Assert.True(port.StartsWith("127.0.0.1:", StringComparison.Ordinal) || port.StartsWith("${SEARCH_BIND:-127.0.0.1}:", StringComparison.Ordinal),
                    $"{service} publishes '{port}' on every interface");
            }
        }
    }

    [Theory]
    [InlineData("embedding")]
    [InlineData("search")]
    [InlineData("ingest")]
    public void The_services_read_their_keys_from_docker_secrets(string name)
    {
        var service = ComposeFiles.Exposure(Repository.SingleNodeCompose[0]).Single(s => s.Service == name);
        Assert.Contains("facevector_api_key", service.Secrets);
        Assert.Contains("facevector_admin_key", service.Secrets);
        Assert.Contains(service.Environment, v => v.Name == "FACEVECTOR_API_KEY_FILE" && v.Value == "/run/secrets/facevector_api_key");
        Assert.DoesNotContain(service.Environment, v => v.Name is "FACEVECTOR_API_KEY" or "FACEVECTOR_ADMIN_KEY");
    }
}
