using Microsoft.Data.Sqlite;

namespace Longshore.LayerStore;

/// <summary>The store's metadata in SQLite (WAL, synchronous commits): blobs, images, tags, repo digests, pins, in-use marks and pull leases.</summary>
internal sealed class StoreDatabase(string path, TimeSpan lockTimeout)
{
    private const int SchemaVersion = 1;

    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        Pooling = true,
        DefaultTimeout = Math.Max(1, (int)Math.Ceiling(lockTimeout.TotalSeconds)),
    }.ToString();

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // synchronous = FULL: in WAL mode every commit fsyncs the WAL before it returns. A commit that adds an image is then
        // as durable as the blobs it names (flushed before it), and a commit that makes blobs unreachable (rm, prune,
        // fsck --repair) is on disk before their files are deleted, so a power loss can never leave metadata that
        // points at deleted blobs. NORMAL could roll the last commits back after a power loss.
        Execute(connection, $"PRAGMA busy_timeout = {(long)lockTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;");
        return connection;
    }

    /// <summary>Closes this database's pooled connections (other stores in the process keep theirs).</summary>
    public void ClearPool()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    public void Migrate()
    {
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        using var transaction = connection.BeginTransaction();
        var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;", transaction), System.Globalization.CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new StoreCorruptException($"the store's metadata is schema {version}, newer than this longshore understands ({SchemaVersion})");
        }

        if (version < 1)
        {
            Execute(connection, """
                CREATE TABLE blobs (
                    digest TEXT PRIMARY KEY,
                    size INTEGER NOT NULL,
                    media_type TEXT NOT NULL,
                    added TEXT NOT NULL);
                CREATE TABLE images (
                    id TEXT PRIMARY KEY,
                    manifest_digest TEXT NOT NULL REFERENCES blobs(digest),
                    created TEXT,
                    os TEXT NOT NULL,
                    architecture TEXT NOT NULL,
                    variant TEXT,
                    size INTEGER NOT NULL,
                    labels TEXT NOT NULL,
                    added TEXT NOT NULL,
                    last_tag_time TEXT);
                CREATE TABLE image_blobs (
                    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    digest TEXT NOT NULL REFERENCES blobs(digest),
                    kind TEXT NOT NULL,
                    diff_id TEXT,
                    PRIMARY KEY (image_id, position));
                CREATE INDEX image_blobs_digest ON image_blobs(digest);
                CREATE TABLE tags (
                    repository TEXT NOT NULL,
                    tag TEXT NOT NULL,
                    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                    updated TEXT NOT NULL,
                    PRIMARY KEY (repository, tag));
                CREATE INDEX tags_image ON tags(image_id);
                CREATE TABLE repo_digests (
                    repository TEXT NOT NULL,
                    digest TEXT NOT NULL,
                    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                    index_digest TEXT REFERENCES blobs(digest),
                    PRIMARY KEY (repository, digest, image_id));
                CREATE INDEX repo_digests_image ON repo_digests(image_id);
                CREATE TABLE pins (
                    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                    owner TEXT NOT NULL,
                    PRIMARY KEY (image_id, owner));
                CREATE TABLE in_use (
                    image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
                    owner TEXT NOT NULL,
                    PRIMARY KEY (image_id, owner));
                CREATE TABLE leases (
                    id TEXT PRIMARY KEY,
                    pid INTEGER NOT NULL,
                    started TEXT NOT NULL);
                CREATE TABLE lease_blobs (
                    lease_id TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
                    digest TEXT NOT NULL,
                    PRIMARY KEY (lease_id, digest));
                PRAGMA user_version = 1;
                """, transaction);
        }

        transaction.Commit();
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, transaction, parameters);
        command.ExecuteNonQuery();
    }

    public static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, transaction, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public static List<T> Query<T>(SqliteConnection connection, string sql, Func<SqliteDataReader, T> map, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, transaction, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    public static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
