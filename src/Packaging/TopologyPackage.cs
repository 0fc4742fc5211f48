using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using StormSharp.Packaging.Internal;
using StormSharp.Topology;

namespace StormSharp.Packaging;

/// <summary>
/// A topology package: the user's build output folder (entry assembly, its dependencies, deps.json, pdbs, native
/// libraries) as one zip with a <see cref="PackageManifest"/>. The client packs it, Nimbus receives and keeps it,
/// supervisors unpack it into the folder a worker loads from.
/// </summary>
/// <remarks>
/// Packing skips nothing in the folder: every file of a build output may be needed at run time (deps.json drives
/// the worker's assembly resolution, pdbs give line numbers in reported errors, satellite and native assets live in
/// subfolders), and a file silently left out costs more to diagnose than a few spare kilobytes cost to ship.
/// Symbolic links are refused rather than followed, since a link can point outside the folder.
/// </remarks>
public static class TopologyPackage
{
    private const int BufferSize = 81920;

    /// <summary>
    /// Packs <paramref name="sourceDirectory"/> into <paramref name="destination"/>, written strictly forward (the
    /// stream need not be seekable), hashing the package as it goes. Throws <see cref="PackageException"/> when the
    /// entry assembly is missing, a file is a link or the folder exceeds <paramref name="limits"/>.
    /// </summary>
    /// <param name="sourceDirectory">The build output folder.</param>
    /// <param name="entryAssembly">File name of the entry assembly at the folder's root, e.g. <c>WordCount.dll</c>.</param>
    /// <param name="destination">Where the zip goes; left open.</param>
    /// <param name="created">Creation time recorded in the manifest and on the entries; default now.</param>
    /// <param name="limits">Size bounds checked before anything is written; default <see cref="PackageLimits.Default"/>,
    /// the bounds a Nimbus applies unless configured otherwise.</param>
    public static PackResult Pack(string sourceDirectory, string entryAssembly, Stream destination, DateTimeOffset? created = null, PackageLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        limits ??= PackageLimits.Default;
        var root = Path.GetFullPath(sourceDirectory);
        if (!Directory.Exists(root))
        {
            throw new PackageException($"cannot pack '{sourceDirectory}': no such folder");
        }

        if (entryAssembly.Length == 0 || entryAssembly.IndexOfAny(['/', '\\']) >= 0)
        {
            throw new PackageException($"the entry assembly must be a file name at the folder's root, not '{entryAssembly}'");
        }

        if (!File.Exists(Path.Combine(root, entryAssembly)))
        {
            throw new PackageException($"cannot pack '{sourceDirectory}': it has no entry assembly '{entryAssembly}'");
        }

        var files = ListFiles(root, limits);
        var when = (created ?? DateTimeOffset.UtcNow).ToUniversalTime();
        var listed = new List<PackageFile>(files.Count);
        using var hashing = new HashingWriteStream(destination);
        using (var zip = new ZipArchive(hashing, ZipArchiveMode.Create, leaveOpen: true))
        {
            var buffer = new byte[BufferSize];
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var (relative, full) in files)
            {
                var entry = zip.CreateEntry(relative, CompressionLevel.Optimal);
                entry.LastWriteTime = when;
                long size = 0;
                using (var input = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
                using (var output = entry.Open())
                {
                    int read;
                    while ((read = input.Read(buffer)) > 0)
                    {
                        hash.AppendData(buffer, 0, read);
                        output.Write(buffer, 0, read);
                        size += read;
                    }
                }

                listed.Add(new PackageFile(relative, size, Sha256Hex.Of(hash)));
            }

            var manifest = new PackageManifest(entryAssembly, StormSharpVersion, when, listed);
            var manifestEntry = zip.CreateEntry(PackageManifest.EntryName, CompressionLevel.Optimal);
            manifestEntry.LastWriteTime = when;
            using (var output = manifestEntry.Open())
            {
                output.Write(manifest.ToJson());
            }

            zip.Dispose();
            hashing.Flush();
            return new PackResult(manifest, hashing.BytesWritten, hashing.FinishHash());
        }
    }

    /// <summary>
    /// Unpacks the package at <paramref name="packagePath"/> into <paramref name="destinationDirectory"/>, which must
    /// not exist yet. Content goes to a hidden sibling folder first and is moved into place only once every entry
    /// has been checked, so the destination either appears complete or not at all; on any problem the sibling is
    /// removed and <see cref="PackageException"/> names the entry and the rule it broke.
    /// </summary>
    /// <remarks>
    /// Refused: entries with absolute paths, '..' or '.' segments, backslashes or control characters; symbolic
    /// links and other non-regular files; duplicate names (compared ignoring case, so a package unpacks the same
    /// on every file system); files or totals over <paramref name="limits"/>; a missing or malformed manifest; a
    /// file that the manifest does not list, or lists with another size or SHA-256; a listed file that is absent.
    /// A crash mid-way can leave a hidden <c>.NAME.unpacking-*</c> sibling; <see cref="RemoveUnpackLeftovers"/> clears them.
    /// </remarks>
    /// <returns>The package's manifest.</returns>
    public static PackageManifest Unpack(string packagePath, string destinationDirectory, PackageLimits? limits = null)
    {
        limits ??= PackageLimits.Default;
        var destination = Path.GetFullPath(destinationDirectory).TrimEnd(Path.DirectorySeparatorChar);
        if (Directory.Exists(destination) || File.Exists(destination))
        {
            throw new PackageException($"cannot unpack into '{destinationDirectory}': it already exists");
        }

        var parent = Path.GetDirectoryName(destination) ?? throw new PackageException($"cannot unpack into '{destinationDirectory}': it has no parent folder");
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, "." + Path.GetFileName(destination) + UnpackingMarker + Guid.NewGuid().ToString("N"));
        try
        {
            PackageManifest manifest;
            using (var file = new FileStream(packagePath, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                var length = file.Length;
                if (length > limits.MaxPackageBytes)
                {
                    throw new PackageException($"the package is {length} bytes, over the limit of {limits.MaxPackageBytes}");
                }

                manifest = Extract(OpenZip(file), staging, limits);
            }

            try
            {
                Directory.Move(staging, destination);
            }
            catch (IOException e)
            {
                throw new PackageException($"cannot move the unpacked package into '{destinationDirectory}': {e.Message}", e);
            }

            return manifest;
        }
        catch
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            throw;
        }
    }

    /// <summary>
    /// Deletes the hidden folders that an <see cref="Unpack"/> interrupted by a crash left in <paramref name="parentDirectory"/>;
    /// call at start-up, before any unpack runs. Returns how many were removed.
    /// </summary>
    public static int RemoveUnpackLeftovers(string parentDirectory)
    {
        if (!Directory.Exists(parentDirectory))
        {
            return 0;
        }

        var removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(parentDirectory, "." + "*" + UnpackingMarker + "*"))
        {
            Directory.Delete(dir, recursive: true);
            removed++;
        }

        return removed;
    }

    /// <summary>SHA-256 of <paramref name="content"/> from its current position to its end, as 64 lower-case hex digits.</summary>
    public static string ComputeSha256(Stream content) => Sha256Hex.Of(content);

    /// <summary>SHA-256 of the file at <paramref name="path"/>, as 64 lower-case hex digits.</summary>
    public static string ComputeSha256(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return Sha256Hex.Of(file);
    }

    /// <summary>Throws <see cref="PackageException"/> unless the file at <paramref name="path"/> has SHA-256 <paramref name="expectedSha256"/> (hex, either case).</summary>
    public static void VerifyChecksum(string path, string expectedSha256)
    {
        if (!Sha256Hex.IsValid(expectedSha256))
        {
            throw new PackageException($"expected checksum '{expectedSha256}' is not a SHA-256 (64 hex digits)");
        }

        var actual = ComputeSha256(path);
        if (!Sha256Hex.Matches(actual, expectedSha256))
        {
            throw new PackageException($"checksum mismatch for '{Path.GetFileName(path)}': expected SHA-256 {expectedSha256.ToLowerInvariant()}, got {actual}");
        }
    }

    /// <summary>Marker in the names of the hidden folders <see cref="Unpack"/> works in.</summary>
    internal const string UnpackingMarker = ".unpacking-";

    private static string StormSharpVersion { get; } =
        typeof(ISpout).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ISpout).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    private static List<(string Relative, string Full)> ListFiles(string root, PackageLimits limits)
    {
        var result = new List<(string, string)>();
        long total = 0;
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var info in new DirectoryInfo(dir).EnumerateFileSystemInfos())
            {
                var relative = Path.GetRelativePath(root, info.FullName).Replace(Path.DirectorySeparatorChar, '/');
                if (info.LinkTarget is not null)
                {
                    throw new PackageException($"cannot pack '{relative}': it is a symbolic link; packages hold plain files only");
                }

                if (info is DirectoryInfo)
                {
                    pending.Push(info.FullName);
                    continue;
                }

                if (EntryPaths.Problem(relative) is { } problem)
                {
                    throw new PackageException($"cannot pack '{relative}': its path {problem}");
                }

                if (relative == PackageManifest.EntryName)
                {
                    throw new PackageException($"cannot pack '{root}': it holds a file named {PackageManifest.EntryName}, the name reserved for the manifest");
                }

                var length = ((FileInfo)info).Length;
                if (length > limits.MaxFileBytes)
                {
                    throw new PackageException($"cannot pack '{relative}': it is {length} bytes, over the limit of {limits.MaxFileBytes} for one file");
                }

                total += length;
                result.Add((relative, info.FullName));
            }
        }

        if (total > limits.MaxTotalBytes)
        {
            throw new PackageException($"cannot pack '{root}': its files add up to {total} bytes, over the limit of {limits.MaxTotalBytes}");
        }

        if (result.Count + 1 > limits.MaxEntries)
        {
            throw new PackageException($"cannot pack '{root}': it holds {result.Count} files, over the limit of {limits.MaxEntries - 1}");
        }

        result.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return result;
    }

    private static ZipArchive OpenZip(Stream file)
    {
        try
        {
            return new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new PackageException($"the package is not a valid zip archive: {e.Message}", e);
        }
    }

    private static PackageManifest Extract(ZipArchive zip, string staging, PackageLimits limits)
    {
        using (zip)
        {
            if (zip.Entries.Count > limits.MaxEntries)
            {
                throw new PackageException($"the package has {zip.Entries.Count} entries, over the limit of {limits.MaxEntries}");
            }

            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var files = new List<ZipArchiveEntry>(zip.Entries.Count);
            var directories = new List<string>();
            ZipArchiveEntry? manifestEntry = null;
            foreach (var entry in zip.Entries)
            {
                var name = entry.FullName;
                if (EntryPaths.Problem(name) is { } problem)
                {
                    throw new PackageException($"package entry '{name}' {problem}");
                }

                if (!seen.Add(name.TrimEnd('/')))
                {
                    throw new PackageException($"package entry '{name}' appears more than once");
                }

                // The high 16 bits of the external attributes carry the Unix mode when a Unix tool made the zip.
                var fileType = (entry.ExternalAttributes >> 16) & 0xF000;
                if (fileType == 0xA000)
                {
                    throw new PackageException($"package entry '{name}' is a symbolic link; packages hold plain files only");
                }

                var isDirectory = name.EndsWith('/');
                var plain = fileType switch
                {
                    0 => true, // no Unix mode recorded (a zip made on Windows): the name decides
                    0x8000 => !isDirectory,
                    0x4000 => isDirectory,
                    _ => false,
                };
                if (!plain)
                {
                    throw new PackageException($"package entry '{name}' is not a plain file or folder");
                }

                if (isDirectory)
                {
                    directories.Add(name);
                }
                else if (name == PackageManifest.EntryName)
                {
                    manifestEntry = entry;
                }
                else
                {
                    files.Add(entry);
                }
            }

            if (manifestEntry is null)
            {
                throw new PackageException($"the package has no {PackageManifest.EntryName}; it was not made by StormSharp's packer");
            }

            PackageManifest manifest;
            using (var json = OpenEntry(manifestEntry))
            {
                manifest = PackageManifest.Parse(json);
            }

            var expected = CheckManifest(manifest, files, limits);
            Directory.CreateDirectory(staging);
            foreach (var dir in directories)
            {
                var target = EntryPaths.Resolve(staging, dir);
                if (File.Exists(target.TrimEnd(Path.DirectorySeparatorChar)))
                {
                    throw new PackageException($"package entry '{dir}' cannot be written: it clashes with another entry");
                }

                Directory.CreateDirectory(target);
            }

            var buffer = new byte[BufferSize];
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var entry in files)
            {
                var listed = expected[entry.FullName];
                var target = EntryPaths.Resolve(staging, entry.FullName);
                long size = 0;
                using (var input = OpenEntry(entry))
                using (var output = CreateFile(target, entry.FullName))
                {
                    int read;
                    while ((read = ReadEntry(input, buffer, entry.FullName)) > 0)
                    {
                        size += read;
                        if (size > listed.Size)
                        {
                            throw new PackageException($"package entry '{entry.FullName}' holds more than the {listed.Size} bytes its manifest lists");
                        }

                        hash.AppendData(buffer, 0, read);
                        output.Write(buffer, 0, read);
                    }

                    // On disk before the folder is moved into place, so a crash cannot leave a complete-looking folder of empty files.
                    output.Flush(flushToDisk: true);
                }

                if (size != listed.Size)
                {
                    throw new PackageException($"package entry '{entry.FullName}' holds {size} bytes; its manifest lists {listed.Size}");
                }

                var actual = Sha256Hex.Of(hash);
                if (actual != listed.Sha256)
                {
                    throw new PackageException($"package entry '{entry.FullName}' does not match its manifest: SHA-256 {actual}, manifest {listed.Sha256}");
                }
            }

            return manifest;
        }
    }

    private static Dictionary<string, PackageFile> CheckManifest(PackageManifest manifest, List<ZipArchiveEntry> files, PackageLimits limits)
    {
        var listed = new Dictionary<string, PackageFile>(StringComparer.Ordinal);
        long total = 0;
        foreach (var f in manifest.Files)
        {
            if (!listed.TryAdd(f.Path, f))
            {
                throw new PackageException($"the package's manifest lists '{f.Path}' more than once");
            }

            if (f.Size > limits.MaxFileBytes)
            {
                throw new PackageException($"package entry '{f.Path}' is {f.Size} bytes, over the limit of {limits.MaxFileBytes} for one file");
            }

            total += f.Size;
        }

        if (total > limits.MaxTotalBytes)
        {
            throw new PackageException($"the package's files add up to {total} bytes, over the limit of {limits.MaxTotalBytes}");
        }

        if (manifest.EntryAssembly.IndexOf('/', StringComparison.Ordinal) >= 0 || !listed.ContainsKey(manifest.EntryAssembly))
        {
            throw new PackageException($"the package's manifest names entry assembly '{manifest.EntryAssembly}', which is not a file at the package's root");
        }

        foreach (var entry in files)
        {
            if (!listed.TryGetValue(entry.FullName, out var f))
            {
                throw new PackageException($"package entry '{entry.FullName}' is not listed in its manifest");
            }

            if (entry.Length != f.Size)
            {
                throw new PackageException($"package entry '{entry.FullName}' is {entry.Length} bytes; its manifest lists {f.Size}");
            }
        }

        if (files.Count != listed.Count)
        {
            var present = new HashSet<string>(files.Select(e => e.FullName), StringComparer.Ordinal);
            var missing = manifest.Files.First(f => !present.Contains(f.Path));
            throw new PackageException($"the package's manifest lists '{missing.Path}', which the package does not contain");
        }

        return listed;
    }

    /// <summary>Creates an entry's file; a name that clashes with a folder (a file 'lib' beside 'lib/a.dll') is the package's fault, not an I/O failure.</summary>
    private static FileStream CreateFile(string target, string name)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            return new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }
        catch (IOException e)
        {
            throw new PackageException($"package entry '{name}' cannot be written: it clashes with another entry ({e.Message})", e);
        }
    }

    private static Stream OpenEntry(ZipArchiveEntry entry)
    {
        try
        {
            return entry.Open();
        }
        catch (InvalidDataException e)
        {
            throw new PackageException($"package entry '{entry.FullName}' cannot be read: {e.Message}", e);
        }
    }

    private static int ReadEntry(Stream input, byte[] buffer, string name)
    {
        try
        {
            return input.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw new PackageException($"package entry '{name}' is corrupt: {e.Message}", e);
        }
    }
}
