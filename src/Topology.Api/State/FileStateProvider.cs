using System.Text.Json;

namespace StormSharp.Topology.State;

/// <summary>
/// State in files under <c>storm.local.dir</c>/state/&lt;topology&gt;/&lt;namespace&gt; (<c>topology.state.provider:
/// file</c>): it survives worker restarts on one host, or on several that share that directory. A namespace is two
/// files, the committed entries (with their txid) and the prepared change set; a commit writes the new committed file
/// aside, flushes it and renames it over the old one, so a crash leaves the old checkpoint or the new one, never a mix.
/// </summary>
public sealed class FileStateProvider : IStateProvider
{
    /// <inheritdoc/>
    public IStateStore Open(string topologyName, string ns, IReadOnlyDictionary<string, object?> conf)
    {
        var root = conf.TryGetValue("storm.local.dir", out var d) && d is string s && s.Length > 0 ? s : "storm-local";
        var dir = Path.Combine(Path.GetFullPath(root), "state", Sanitize(topologyName), Sanitize(ns));
        Directory.CreateDirectory(dir);
        return new Store(dir);
    }

    private static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsLetterOrDigit(chars[i]) && chars[i] is not '-' and not '_')
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    private sealed class Store(string dir) : IStateStore
    {
        private readonly string _committedPath = Path.Combine(dir, "committed.json");
        private readonly string _preparedPath = Path.Combine(dir, "prepared.json");

        public StoredState Load()
        {
            var committed = Read<CommittedFile>(_committedPath) ?? new CommittedFile();
            var prepared = Read<PreparedFile>(_preparedPath);
            if (prepared is not null && prepared.Txid <= committed.Txid)
            {
                prepared = null; // committed already; the crash came before the prepared file was removed
            }

            return new StoredState(
                new Dictionary<string, string>(committed.Entries, StringComparer.Ordinal),
                committed.Txid,
                prepared?.Txid,
                prepared is null ? null : new Dictionary<string, string?>(prepared.Changes, StringComparer.Ordinal));
        }

        public void Prepare(long txid, IReadOnlyDictionary<string, string?> changes) =>
            WriteAtomically(_preparedPath, JsonSerializer.Serialize(new PreparedFile { Txid = txid, Changes = new(changes, StringComparer.Ordinal) }));

        public void Commit(long txid)
        {
            var stored = Load();
            if (stored.PreparedTxid != txid)
            {
                if (txid <= stored.CommittedTxid)
                {
                    return;
                }

                throw new InvalidOperationException($"commit of checkpoint {txid} in {dir}, but {(stored.PreparedTxid is null ? "none" : stored.PreparedTxid.ToString())} is prepared");
            }

            var next = new Dictionary<string, string>(stored.Committed, StringComparer.Ordinal);
            InMemoryStateProvider.ApplyTo(next, stored.Prepared!);
            WriteAtomically(_committedPath, JsonSerializer.Serialize(new CommittedFile { Txid = txid, Entries = next }));
            File.Delete(_preparedPath);
        }

        public void CommitNow(IReadOnlyDictionary<string, string?> changes)
        {
            var stored = Load();
            var next = new Dictionary<string, string>(stored.Committed, StringComparer.Ordinal);
            InMemoryStateProvider.ApplyTo(next, changes);
            WriteAtomically(_committedPath, JsonSerializer.Serialize(new CommittedFile { Txid = stored.CommittedTxid, Entries = next }));
        }

        public void Rollback() => File.Delete(_preparedPath);

        public void Dispose()
        {
        }

        private static T? Read<T>(string path)
            where T : class
        {
            // A file is replaced whole by a rename, so a read sees the old one or the new one; it may also be gone.
            try
            {
                return JsonSerializer.Deserialize<T>(File.ReadAllText(path));
            }
            catch (FileNotFoundException)
            {
                return null;
            }
        }

        private static void WriteAtomically(string path, string text)
        {
            var tmp = path + ".tmp";
            using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            using (var w = new StreamWriter(f))
            {
                w.Write(text);
                w.Flush();
                f.Flush(flushToDisk: true);
            }

            File.Move(tmp, path, overwrite: true);
        }
    }

    private sealed class CommittedFile
    {
        public long Txid { get; set; } = -1;

        public Dictionary<string, string> Entries { get; set; } = new(StringComparer.Ordinal);
    }

    private sealed class PreparedFile
    {
        public long Txid { get; set; }

        public Dictionary<string, string?> Changes { get; set; } = new(StringComparer.Ordinal);
    }
}
