using System.IO.Compression;
using System.Security.Cryptography;

namespace StormSharp.Packaging.Tests;

public sealed class TopologyPackageTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Pack_ThenUnpack_RestoresEveryFileAndManifest()
    {
        var source = _dir.Combine("build");
        var files = new Dictionary<string, byte[]>
        {
            ["Foo.dll"] = RandomNumberGenerator.GetBytes(100_000),
            ["Foo.deps.json"] = "{}"u8.ToArray(),
            ["de/Foo.resources.dll"] = RandomNumberGenerator.GetBytes(300),
            ["runtimes/linux-x64/native/libfoo.so"] = RandomNumberGenerator.GetBytes(5000),
            ["empty.txt"] = [],
        };
        foreach (var (name, content) in files)
        {
            _dir.WriteFile("build/" + name, content);
        }

        var created = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);
        var zipBytes = new MemoryStream();
        var result = TopologyPackage.Pack(source, "Foo.dll", zipBytes, created);

        Assert.Equal(zipBytes.Length, result.Length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(zipBytes.ToArray())), result.Sha256);
        Assert.Equal("Foo.dll", result.Manifest.EntryAssembly);
        Assert.Equal(created, result.Manifest.Created);
        Assert.False(string.IsNullOrEmpty(result.Manifest.StormSharpVersion));
        Assert.Equal(files.Keys.Order(StringComparer.Ordinal), result.Manifest.Files.Select(f => f.Path));

        var packagePath = _dir.Combine("pkg.zip");
        File.WriteAllBytes(packagePath, zipBytes.ToArray());
        TopologyPackage.VerifyChecksum(packagePath, result.Sha256.ToUpperInvariant());
        var unpacked = _dir.Combine("out", "topo-1");
        var manifest = TopologyPackage.Unpack(packagePath, unpacked);

        Assert.Equal(result.Manifest.Files, manifest.Files);
        Assert.Equal(created, manifest.Created);
        foreach (var (name, content) in files)
        {
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(unpacked, name)));
            var listed = Assert.Single(manifest.Files, f => f.Path == name);
            Assert.Equal(content.Length, listed.Size);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), listed.Sha256);
        }

        Assert.Equal(files.Count, Directory.EnumerateFiles(unpacked, "*", SearchOption.AllDirectories).Count());
        Assert.Equal(["topo-1"], Directory.EnumerateFileSystemEntries(_dir.Combine("out")).Select(Path.GetFileName));
    }

    [Fact]
    public void Pack_MissingEntryAssembly_Refused()
    {
        _dir.WriteFile("build/Other.dll", [1]);
        var e = Assert.Throws<PackageException>(() => TopologyPackage.Pack(_dir.Combine("build"), "Foo.dll", new MemoryStream()));
        Assert.Contains("no entry assembly 'Foo.dll'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pack_SymbolicLink_Refused()
    {
        _dir.WriteFile("build/Foo.dll", [1]);
        File.CreateSymbolicLink(_dir.Combine("build", "passwd"), "/etc/passwd");
        var e = Assert.Throws<PackageException>(() => TopologyPackage.Pack(_dir.Combine("build"), "Foo.dll", new MemoryStream()));
        Assert.Contains("'passwd': it is a symbolic link", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pack_FileOverLimit_Refused()
    {
        _dir.WriteFile("build/Foo.dll", new byte[100]);
        var e = Assert.Throws<PackageException>(() =>
            TopologyPackage.Pack(_dir.Combine("build"), "Foo.dll", new MemoryStream(), limits: new PackageLimits { MaxFileBytes = 99 }));
        Assert.Contains("'Foo.dll': it is 100 bytes, over the limit of 99", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../evil.dll", "contains '..'")]
    [InlineData("lib/../../evil.dll", "contains '..'")]
    [InlineData("/tmp/evil.dll", "is an absolute path")]
    [InlineData("C:/evil.dll", "is an absolute path")]
    [InlineData("lib\\evil.dll", "contains '\\'")]
    [InlineData("./evil.dll", "contains an empty or '.' segment")]
    [InlineData("lib//evil.dll", "contains an empty or '.' segment")]
    public void Unpack_UnsafePath_Refused(string name, string reason)
    {
        var zip = new ZipBuilder().Add("Foo.dll", "x").Add(name, "evil");
        var e = RefuseUnpack(zip);
        Assert.Contains($"'{name}' {reason}", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.Combine("evil.dll")), "an unsafe entry escaped the destination");
    }

    [Fact]
    public void Unpack_DuplicateEntry_Refused()
    {
        var e = RefuseUnpack(new ZipBuilder().Add("Foo.dll", "x").Add("lib/a.dll", "1").Add("lib/a.dll", "2"));
        Assert.Contains("'lib/a.dll' appears more than once", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_EntriesDifferingOnlyInCase_Refused()
    {
        var e = RefuseUnpack(new ZipBuilder().Add("Foo.dll", "x").Add("foo.DLL", "y"));
        Assert.Contains("'foo.DLL' appears more than once", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_FileAndFolderOfOneName_Refused()
    {
        var e = RefuseUnpack(new ZipBuilder().Add("Foo.dll", "x").Add("lib", "file").Add("lib/a.dll", "y"));
        Assert.Contains("'lib/a.dll' cannot be written: it clashes with another entry", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_SymbolicLinkEntry_Refused()
    {
        var e = RefuseUnpack(new ZipBuilder().Add("Foo.dll", "x").Add("link", "/etc/passwd"u8.ToArray(), unixMode: 0xA000 | 0x1FF));
        Assert.Contains("'link' is a symbolic link", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_DeviceEntry_Refused()
    {
        var e = RefuseUnpack(new ZipBuilder().Add("Foo.dll", "x").Add("dev", [], unixMode: 0x2000 | 0x1B6));
        Assert.Contains("'dev' is not a plain file or folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_FileOverLimit_Refused()
    {
        var e = RefuseUnpack(new ZipBuilder().Add("Foo.dll", new byte[1000]), limits: new PackageLimits { MaxFileBytes = 999 });
        Assert.Contains("'Foo.dll' is 1000 bytes, over the limit of 999", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_TotalOverLimit_Refused()
    {
        var zip = new ZipBuilder().Add("Foo.dll", new byte[600]).Add("Bar.dll", new byte[600]);
        var e = RefuseUnpack(zip, limits: new PackageLimits { MaxTotalBytes = 1000 });
        Assert.Contains("add up to 1200 bytes, over the limit of 1000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_ContentNotMatchingManifestHash_Refused()
    {
        var zip = new ZipBuilder().Add("Foo.dll", "real").Add("lib.dll", "tampered");
        var truth = zip.TrueManifest();
        var lie = new PackageManifest(truth.EntryAssembly, truth.StormSharpVersion, truth.Created,
            truth.Files.Select(f => f.Path == "lib.dll" ? f with { Sha256 = new string('0', 64) } : f).ToList());
        var e = RefuseUnpack(zip, lie);
        Assert.Contains("'lib.dll' does not match its manifest", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_ContentNotMatchingManifestSize_Refused()
    {
        var zip = new ZipBuilder().Add("Foo.dll", "1234");
        var truth = zip.TrueManifest();
        var lie = new PackageManifest(truth.EntryAssembly, "test", truth.Created, [truth.Files[0] with { Size = 3 }]);
        var e = RefuseUnpack(zip, lie);
        Assert.Contains("'Foo.dll' is 4 bytes; its manifest lists 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_EntryMissingFromManifest_Refused()
    {
        var zip = new ZipBuilder().Add("Foo.dll", "x");
        var manifest = zip.TrueManifest();
        zip.Add("extra.dll", "smuggled");
        var e = RefuseUnpack(zip, manifest);
        Assert.Contains("'extra.dll' is not listed in its manifest", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_ListedFileAbsent_Refused()
    {
        var zip = new ZipBuilder().Add("Foo.dll", "x").Add("gone.dll", "y");
        var manifest = zip.TrueManifest();
        var e = RefuseUnpack(new ZipBuilder().Add("Foo.dll", "x"), manifest);
        Assert.Contains("lists 'gone.dll', which the package does not contain", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_EntryAssemblyNotInPackage_Refused()
    {
        var zip = new ZipBuilder { EntryAssembly = "Missing.dll" }.Add("Foo.dll", "x");
        var e = RefuseUnpack(zip);
        Assert.Contains("entry assembly 'Missing.dll'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_NoManifest_Refused()
    {
        var e = RefuseUnpack(new ZipBuilder().Add("Foo.dll", "x"), includeManifest: false);
        Assert.Contains($"has no {PackageManifest.EntryName}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_MalformedManifest_Refused()
    {
        var path = _dir.Combine("bad.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using var s = zip.CreateEntry(PackageManifest.EntryName).Open();
            s.Write("{\"format\": 1, \"entryAssembly\": \"Foo.dll\"}"u8);
        }

        var e = Assert.Throws<PackageException>(() => TopologyPackage.Unpack(path, _dir.Combine("out")));
        Assert.Contains("has no 'stormSharpVersion' string", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_NotAZip_Refused()
    {
        var path = _dir.WriteFile("pkg.zip", "this is not a zip"u8.ToArray());
        var e = Assert.Throws<PackageException>(() => TopologyPackage.Unpack(path, _dir.Combine("out")));
        Assert.Contains("not a valid zip archive", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.Combine("out")));
    }

    [Fact]
    public void Unpack_DestinationExists_Refused()
    {
        var path = _dir.Combine("pkg.zip");
        new ZipBuilder().Add("Foo.dll", "x").Write(path);
        Directory.CreateDirectory(_dir.Combine("out"));
        var e = Assert.Throws<PackageException>(() => TopologyPackage.Unpack(path, _dir.Combine("out")));
        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveUnpackLeftovers_RemovesOnlyStagingFolders()
    {
        Directory.CreateDirectory(_dir.Combine(".topo-1" + TopologyPackage.UnpackingMarker + "abc"));
        Directory.CreateDirectory(_dir.Combine("topo-2"));
        Assert.Equal(1, TopologyPackage.RemoveUnpackLeftovers(_dir.Path));
        Assert.Equal(["topo-2"], Directory.EnumerateFileSystemEntries(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void VerifyChecksum_Mismatch_Refused()
    {
        var path = _dir.WriteFile("pkg.zip", [1, 2, 3]);
        var wrong = new string('a', 64);
        var e = Assert.Throws<PackageException>(() => TopologyPackage.VerifyChecksum(path, wrong));
        Assert.Contains($"expected SHA-256 {wrong}, got {Convert.ToHexStringLower(SHA256.HashData(new byte[] { 1, 2, 3 }))}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyChecksum_NotAHash_Refused()
    {
        var path = _dir.WriteFile("pkg.zip", [1]);
        var e = Assert.Throws<PackageException>(() => TopologyPackage.VerifyChecksum(path, "abc"));
        Assert.Contains("'abc' is not a SHA-256", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Writes the zip, expects the unpack to fail, and checks that it left nothing behind.</summary>
    private PackageException RefuseUnpack(ZipBuilder zip, PackageManifest? manifest = null, bool includeManifest = true, PackageLimits? limits = null)
    {
        var path = _dir.Combine("pkg.zip");
        zip.Write(path, manifest, includeManifest);
        var parent = _dir.Combine("stormdist");
        var e = Assert.Throws<PackageException>(() => TopologyPackage.Unpack(path, Path.Combine(parent, "topo-1"), limits));
        Assert.Empty(Directory.EnumerateFileSystemEntries(parent));
        return e;
    }
}
