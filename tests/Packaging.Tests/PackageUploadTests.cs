using System.Security.Cryptography;

namespace StormSharp.Packaging.Tests;

public sealed class PackageUploadTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Complete_ChunksMatchingChecksum_ReturnsVerifiedFile()
    {
        var content = RandomNumberGenerator.GetBytes(200_000);
        var upload = new PackageUpload(_dir.Combine("inbox"));
        await using (upload)
        {
            for (var offset = 0; offset < content.Length; offset += 65536)
            {
                await upload.WriteAsync(content.AsMemory(offset, Math.Min(65536, content.Length - offset)));
            }

            var sha = Convert.ToHexStringLower(SHA256.HashData(content));
            var done = upload.Complete(sha.ToUpperInvariant(), content.Length);

            Assert.Equal(sha, done.Sha256);
            Assert.Equal(content.Length, done.Length);
            Assert.Equal(content, File.ReadAllBytes(done.Path));
        }

        Assert.False(File.Exists(upload.TempPath), "dispose should delete the temporary file");
    }

    [Fact]
    public void Complete_ChecksumMismatch_Refused()
    {
        using var upload = new PackageUpload(_dir.Path);
        upload.Write([1, 2, 3]);
        var e = Assert.Throws<PackageException>(() => upload.Complete(new string('0', 64)));
        Assert.Contains("checksum mismatch", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Complete_LengthMismatch_Refused()
    {
        using var upload = new PackageUpload(_dir.Path);
        upload.Write([1, 2, 3]);
        var e = Assert.Throws<PackageException>(() => upload.Complete(Convert.ToHexStringLower(SHA256.HashData(new byte[] { 1, 2, 3 })), 4));
        Assert.Contains("is 3 bytes; the client announced 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_OverLimit_Refused()
    {
        using var upload = new PackageUpload(_dir.Path, maxBytes: 10);
        upload.Write(new byte[6]);
        var e = Assert.Throws<PackageException>(() => upload.Write(new byte[5]));
        Assert.Contains("exceeds the limit of 10 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveLeftovers_DeletesOnlyUploadFiles()
    {
        // What a crash mid-upload leaves: a temporary file whose upload was never disposed.
        var crashed = new PackageUpload(_dir.Path);
        crashed.Write([1]);
        var leftover = crashed.TempPath;
        _dir.WriteFile("keep.zip", [1]);

        Assert.Equal(1, PackageUpload.RemoveLeftovers(_dir.Path));
        Assert.False(File.Exists(leftover));
        Assert.Equal(["keep.zip"], Directory.EnumerateFiles(_dir.Path).Select(Path.GetFileName));
    }
}
