using System.Text.Json;
using Microsoft.Playwright;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Processing;

namespace FaceVector.Web.Tests;

/// <summary>
/// The search page end to end in headless Chromium (Debian's, installed by tools/test-prerequisites.sh), driven by Playwright:
/// choose a photo, pick the face, see the matches, open one; the index view; the key prompt and a dropped photo; the
/// People view (covers, a person's photos, rename, merge).
/// Screenshots go to the test output folder (screenshots/); set FACEVECTOR_UPDATE_DOCS=1 to refresh docs/search-page.png.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class SearchPageBrowserTests(IndexedServerFixture fixture) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string ScreenshotFolder = Path.Combine(AppContext.BaseDirectory, "screenshots");

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run tools/test-prerequisites.sh (Debian package chromium)");
        _playwright = await Playwright.CreateAsync();
        Assertions.SetDefaultExpectTimeout(30_000);
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    [Fact]
    public async Task A_person_uploads_a_photo_picks_the_face_and_sees_every_photo_of_him()
    {
        IPage page = await NewPageAsync();
        await page.GotoAsync(fixture.Server.WebUrl.ToString());
        await page.WaitForSelectorAsync("body[data-ready=true]");
        Assert.Equal("0.33", await page.InputValueAsync("#threshold"));

        await page.SetInputFilesAsync("#file", Expected.Probe);
        await page.ClickAsync(".face[data-index='0']");
        await Assertions.Expect(page.Locator(".match")).ToHaveCountAsync(Expected.ObamaPhotos.Count);
        await WaitUntilAsync(page, ThumbnailsLoaded);

        IReadOnlyList<string> paths = await page.Locator(".match .path").AllTextContentsAsync();
        Assert.Equal(Expected.ObamaPhotos.Order(StringComparer.Ordinal), paths.Distinct().Order(StringComparer.Ordinal));
        float[] scores = [.. (await page.Locator(".match .score").AllTextContentsAsync()).Select(s => float.Parse(s, System.Globalization.CultureInfo.InvariantCulture))];
        Assert.Equal(scores.OrderDescending(), scores);
        Assert.Equal(paths.Count, await page.Locator(".match .box").CountAsync());
        await ScreenshotAsync(page, "search-page.png", copyToDocs: true);

        // Clicking a match opens the full photo.
        IPage photo = await page.Context.RunAndWaitForPageAsync(() => page.Locator(".match a").First.ClickAsync());
        await photo.WaitForLoadStateAsync();
        Assert.Contains("/api/image?id=", photo.Url, StringComparison.Ordinal);
        Assert.True(await photo.EvaluateAsync<bool>("document.images.length === 1 && document.images[0].naturalWidth > 0"));

        // A higher threshold keeps only the near-copies.
        await page.Locator("#threshold").EvaluateAsync("slider => { slider.value = '0.9'; slider.dispatchEvent(new Event('input')); }");
        await Assertions.Expect(page.Locator(".match")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task The_index_view_shows_stats_and_the_last_ingest_report()
    {
        IPage page = await NewPageAsync();
        await page.GotoAsync(fixture.Server.WebUrl.ToString());
        await page.ClickAsync(".tab[data-view='index-view']");
        await page.WaitForSelectorAsync("#failures tbody tr");
        string stats = await page.InnerTextAsync("#stats");
        Assert.Contains("w600k_mbf_dq", stats, StringComparison.Ordinal);
        Assert.Contains("manifest.tsv", await page.InnerTextAsync("#failures"), StringComparison.Ordinal);
        await ScreenshotAsync(page, "index-view.png");
    }

    [Fact]
    public async Task With_an_api_key_the_page_asks_for_it_and_then_works()
    {
        IPage page = await NewPageAsync();
        await page.GotoAsync(fixture.KeyedServer.WebUrl.ToString());
        await page.WaitForSelectorAsync("#key-dialog[open]");
        await page.FillAsync("#key", IndexedServerFixture.ApiKey);
        await page.PressAsync("#key", "Enter");
        await page.WaitForSelectorAsync("body[data-ready=true]");
        Assert.Contains("faces in", await page.InnerTextAsync("#status"), StringComparison.Ordinal);

        // This time the photo is dropped on the page; thumbnails load with the session cookie (an <img> cannot send the header).
        IJSHandle drop = await page.EvaluateHandleAsync(
            """
            ([base64, name]) => {
              const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
              const transfer = new DataTransfer();
              transfer.items.add(new File([bytes], name, { type: 'image/jpeg' }));
              return transfer;
            }
            """,
            new[] { Convert.ToBase64String(await File.ReadAllBytesAsync(Expected.Probe)), Path.GetFileName(Expected.Probe) });
        await page.Locator("#drop").DispatchEventAsync("drop", new { dataTransfer = drop });
        await Assertions.Expect(page.Locator(".match")).ToHaveCountAsync(Expected.ObamaPhotos.Count);
        await WaitUntilAsync(page, ThumbnailsLoaded);
    }

    [Fact]
    public async Task The_people_view_lists_covers_opens_a_person_renames_as_text_and_merges()
    {
        IPage page = await NewPageAsync();
        bool dialogOpened = false;
        page.Dialog += (_, dialog) => { dialogOpened = true; _ = dialog.DismissAsync(); };
        await page.GotoAsync(fixture.Server.WebUrl.ToString());
        await page.WaitForSelectorAsync("body[data-ready=true]");
        await page.ClickAsync(".tab[data-view='people-view']");
        await page.WaitForSelectorAsync(".person");
        await WaitUntilAsync(page, "() => [...document.querySelectorAll('.person img.cover')].every(i => i.complete && i.naturalWidth > 0)");
        using JsonDocument list = await GetJsonAsync("/api/people?limit=1000");
        int total = list.RootElement.GetProperty("total").GetInt32();
        Assert.True(total >= 5, $"{total} people in faces-dev");
        Assert.Equal(total, await page.Locator(".person").CountAsync());
        await ScreenshotAsync(page, "people-view.png");

        // Obama's person: clicking it shows his photos.
        long obama = await PersonHoldingAsync("barack_obama");
        using JsonDocument before = await GetJsonAsync($"/api/people/{obama}?limit=1000");
        string[] photos = [.. before.RootElement.GetProperty("page").EnumerateArray().Select(p => p.GetProperty("imagePath").GetString()!)];
        await page.ClickAsync($".person[data-id='{obama}'] img.cover");
        await Assertions.Expect(page.Locator(".person-photo")).ToHaveCountAsync(photos.Length);
        Assert.Equal(photos.Order(StringComparer.Ordinal), (await page.Locator(".person-photo .path").AllTextContentsAsync()).Order(StringComparer.Ordinal));
        Assert.True(photos.Count(p => p.Contains("barack_obama", StringComparison.Ordinal)) >= 3);
        await WaitUntilAsync(page, "() => [...document.querySelectorAll('.person-photo img')].every(i => i.complete && i.naturalWidth > 0)");

        // Rename with markup: it persists, and is shown as text (no element made, no script run).
        const string Hostile = "<img src=x onerror=alert(1)>";
        await page.FillAsync("#rename-input", Hostile);
        await page.ClickAsync("#rename-save");
        await Assertions.Expect(page.Locator("#person-name")).ToHaveTextAsync(Hostile);
        Assert.Equal(0, await page.Locator("#person-name img").CountAsync());
        using (JsonDocument named = await GetJsonAsync($"/api/people/{obama}"))
        {
            Assert.Equal(Hostile, named.RootElement.GetProperty("person").GetProperty("name").GetString());
        }

        CliRun cli = await FaceVectorProcess.RunAsync("people", "--json", "--db", fixture.DbPath);
        Assert.True(cli.ExitCode == 0, cli.Stderr);
        using (JsonDocument stored = JsonDocument.Parse(cli.Stdout))
        {
            Assert.Contains(stored.RootElement.GetProperty("people").EnumerateArray(),
                p => p.GetProperty("id").GetInt64() == obama && p.GetProperty("name").GetString() == Hostile);
        }

        await page.ClickAsync("#person-back");
        await Assertions.Expect(page.Locator($".person[data-id='{obama}'] .name")).ToHaveTextAsync(Hostile);
        Assert.Equal(0, await page.Locator(".person img:not(.cover)").CountAsync());

        // Merge: tick two other people; the second joins the first.
        long[] others = [.. list.RootElement.GetProperty("people").EnumerateArray().Select(p => p.GetProperty("id").GetInt64()).Where(id => id != obama).Take(2)];
        int expectedFaces = 0;
        foreach (long id in others)
        {
            using JsonDocument person = await GetJsonAsync($"/api/people/{id}");
            expectedFaces += person.RootElement.GetProperty("person").GetProperty("faceCount").GetInt32();
        }

        Assert.True(await page.Locator("#merge").IsDisabledAsync());
        await page.CheckAsync($".person[data-id='{others[0]}'] .pick");
        await page.CheckAsync($".person[data-id='{others[1]}'] .pick");
        await page.ClickAsync("#merge");
        await Assertions.Expect(page.Locator("#people-status")).ToContainTextAsync("Merged");
        await Assertions.Expect(page.Locator(".person")).ToHaveCountAsync(total - 1);
        Assert.Equal(0, await page.Locator($".person[data-id='{others[1]}']").CountAsync());
        using (JsonDocument merged = await GetJsonAsync($"/api/people/{others[0]}"))
        {
            Assert.Equal(expectedFaces, merged.RootElement.GetProperty("person").GetProperty("faceCount").GetInt32());
        }

        using HttpResponseMessage gone = await fixture.Server.Http.GetAsync($"/api/people/{others[1]}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
        Assert.False(dialogOpened, "a script in a name ran");
    }

    /// <summary>The person with the most photos in faces-dev's folder <paramref name="folder"/>.</summary>
    private async Task<long> PersonHoldingAsync(string folder)
    {
        using JsonDocument list = await GetJsonAsync("/api/people?limit=1000");
        var best = (Id: 0L, Count: 0);
        foreach (JsonElement p in list.RootElement.GetProperty("people").EnumerateArray())
        {
            long id = p.GetProperty("id").GetInt64();
            using JsonDocument person = await GetJsonAsync($"/api/people/{id}?limit=1000");
            int count = person.RootElement.GetProperty("page").EnumerateArray()
                .Count(photo => photo.GetProperty("imagePath").GetString()!.Contains($"{Path.DirectorySeparatorChar}{folder}{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
            if (count > best.Count)
            {
                best = (id, count);
            }
        }

        Assert.True(best.Count > 0, $"no person holds photos of {folder}");
        return best.Id;
    }

    private async Task<JsonDocument> GetJsonAsync(string url)
    {
        using HttpResponseMessage response = await fixture.Server.Http.GetAsync(url);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body);
    }

    private const string ThumbnailsLoaded = "() => [...document.querySelectorAll('.match img')].every(i => i.complete && i.naturalWidth > 0)";

    /// <summary>
    /// Polls a function in the page. Not WaitForFunctionAsync: that evaluates strings with eval, which the page's
    /// Content-Security-Policy rightly forbids.
    /// </summary>
    private static async Task WaitUntilAsync(IPage page, string function)
    {
        DateTime until = DateTime.UtcNow.AddSeconds(30);
        while (!await page.EvaluateAsync<bool>(function))
        {
            Assert.True(DateTime.UtcNow < until, $"still false after 30 s: {function}");
            await Task.Delay(100);
        }
    }

    private async Task<IPage> NewPageAsync()
    {
        IBrowserContext context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        IPage page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000); // generous: CI runs other test suites beside this one
        return page;
    }

    private static async Task ScreenshotAsync(IPage page, string name, bool copyToDocs = false)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        string path = Path.Combine(ScreenshotFolder, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        if (copyToDocs && Environment.GetEnvironmentVariable("FACEVECTOR_UPDATE_DOCS") == "1")
        {
            // The README's copy is made small: 1000 px wide, 256-colour palette.
            using Image image = await Image.LoadAsync(path);
            image.Mutate(x => x.Resize(1000, 0));
            await image.SaveAsPngAsync(Path.Combine(TestData.RepositoryRoot, "docs", name),
                new PngEncoder { ColorType = PngColorType.Palette, CompressionLevel = PngCompressionLevel.BestCompression });
        }
    }
}
