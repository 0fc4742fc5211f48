using System.Security.Cryptography;

namespace StormSharp.Packaging.Tests;

public sealed class LocalBlobStoreTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string StoreDir => _dir.Combine("nimbus", "blobs");

    [Fact]
    public async Task PutAsync_ThenOpenRead_ReturnsContentAndMetadata()
    {
        var store = new LocalBlobStore(StoreDir, new FixedTime(Now));
        var content = RandomNumberGenerator.GetBytes(300_000);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));

        var meta = await store.PutAsync("wordcount-1-1700000000-package.zip", new MemoryStream(content), sha);

        Assert.Equal(new BlobMetadata("wordcount-1-1700000000-package.zip", content.Length, sha, Now), meta);
        Assert.Equal(meta, store.GetMetadata(meta.Key));
        using var read = store.OpenRead(meta.Key);
        var copy = new MemoryStream();
        read.CopyTo(copy);
        Assert.Equal(content, copy.ToArray());
    }

    [Fact]
    public async Task PutAsync_ExistingKey_RefusedAndOriginalKept()
    {
        var store = new LocalBlobStore(StoreDir);
        await store.PutAsync("k", new MemoryStream([1]));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.PutAsync("k", new MemoryStream([2])));
        Assert.Contains("blob 'k' already exists", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, store.OpenRead("k").ReadByte());
    }

    [Fact]
    public async Task PutAsync_ChecksumMismatch_StoresNothing()
    {
        var store = new LocalBlobStore(StoreDir);
        var e = await Assert.ThrowsAsync<PackageException>(() => store.PutAsync("k", new MemoryStream([1, 2]), new string('f', 64)));
        Assert.Contains("blob 'k' was not stored", e.Message, StringComparison.Ordinal);
        Assert.Empty(store.ListKeys());
        Assert.Null(store.TryGetMetadata("k"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(StoreDir));
    }

    [Fact]
    public async Task PutAsync_SourceFailsMidway_StoresNothing()
    {
        var store = new LocalBlobStore(StoreDir);
        await Assert.ThrowsAsync<IOException>(() => store.PutAsync("k", new FailingStream(100_000)));
        Assert.Empty(store.ListKeys());
        Assert.Empty(Directory.EnumerateFileSystemEntries(StoreDir));
    }

    [Fact]
    public async Task Delete_RemovesBlob_SecondDeleteReturnsFalse()
    {
        var store = new LocalBlobStore(StoreDir);
        await store.PutAsync("a", new MemoryStream([1]));
        await store.PutAsync("b", new MemoryStream([2]));

        Assert.True(store.Delete("a"));
        Assert.False(store.Delete("a"));
        Assert.Equal(["b"], store.ListKeys());
        Assert.Throws<KeyNotFoundException>(() => store.OpenRead("a"));
        Assert.Throws<KeyNotFoundException>(() => store.GetMetadata("a"));
        await store.PutAsync("a", new MemoryStream([3]));
        Assert.Equal(3, store.OpenRead("a").ReadByte());
    }

    [Fact]
    public async Task ListKeys_ReturnsAllKeysSorted()
    {
        var store = new LocalBlobStore(StoreDir);
        foreach (var k in new[] { "topo-b", "topo-a", "topo-c.zip" })
        {
            await store.PutAsync(k, new MemoryStream([1]));
        }

        Assert.Equal(["topo-a", "topo-b", "topo-c.zip"], store.ListKeys());
    }

    [Fact]
    public async Task NewInstance_SameDirectory_SeesSameBlobs()
    {
        var first = new LocalBlobStore(StoreDir, new FixedTime(Now));
        var meta = await first.PutAsync("k", new MemoryStream([9, 8, 7]));

        var second = new LocalBlobStore(StoreDir);

        Assert.Equal(["k"], second.ListKeys());
        Assert.Equal(meta, second.GetMetadata("k"));
        using var read = second.OpenRead("k");
        Assert.Equal(9, read.ReadByte());
    }

    [Fact]
    public async Task NewInstance_AfterCrash_RemovesLeftoversAndNeverServesThem()
    {
        var first = new LocalBlobStore(StoreDir);
        await first.PutAsync("done", new MemoryStream([1]));

        // What a crash leaves: a put's temporary folder with half its data and no metadata, and a delete's renamed folder.
        var halfPut = Path.Combine(StoreDir, ".tmp-0123456789abcdef");
        Directory.CreateDirectory(halfPut);
        File.WriteAllBytes(Path.Combine(halfPut, "data"), new byte[10]);
        Directory.CreateDirectory(Path.Combine(StoreDir, ".del-0123456789abcdef"));
        File.WriteAllBytes(Path.Combine(StoreDir, ".del-0123456789abcdef", "data"), new byte[10]);
        Assert.Equal(["done"], first.ListKeys());

        var second = new LocalBlobStore(StoreDir);

        Assert.Equal(["done"], second.ListKeys());
        Assert.Equal(["done"], Directory.EnumerateFileSystemEntries(StoreDir).Select(Path.GetFileName));
    }

    [Fact]
    public void TryGetMetadata_CorruptMetadata_ErrorNamesBlob()
    {
        var store = new LocalBlobStore(StoreDir);
        Directory.CreateDirectory(Path.Combine(StoreDir, "k"));
        File.WriteAllText(Path.Combine(StoreDir, "k", "meta.json"), "{not json");
        var e = Assert.Throws<InvalidDataException>(() => store.TryGetMetadata("k"));
        Assert.Contains("blob 'k' has unreadable metadata", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("..")]
    [InlineData(".tmp-x")]
    [InlineData("a b")]
    [InlineData("a:b")]
    [InlineData("é")]
    public void ValidateKey_Unsafe_Refused(string key)
    {
        var e = Assert.Throws<ArgumentException>(() => LocalBlobStore.ValidateKey(key));
        Assert.Contains($"blob key '{key}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateKey_TooLong_Refused()
    {
        Assert.Throws<ArgumentException>(() => LocalBlobStore.ValidateKey(new string('a', LocalBlobStore.MaxKeyLength + 1)));
        LocalBlobStore.ValidateKey(new string('a', LocalBlobStore.MaxKeyLength));
    }

    [Fact]
    public void OpenRead_UnsafeKey_RefusedBeforeTouchingDisk()
    {
        var store = new LocalBlobStore(StoreDir);
        Assert.Throws<ArgumentException>(() => store.OpenRead("../../etc/passwd"));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>A source that yields <paramref name="failAfter"/> bytes and then fails, like a client that drops mid-upload.</summary>
    private sealed class FailingStream(int failAfter) : Stream
    {
        private int _given;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _given;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_given >= failAfter)
            {
                throw new IOException("connection reset by the client");
            }

            var n = Math.Min(count, failAfter - _given);
            _given += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
