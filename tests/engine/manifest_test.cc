// Tests of tidemark_manifest.json: the exact layout, round trips, the atomic write, and, as in
// LevelDB's log_test, reading back a manifest that was truncated or had one byte flipped.
#include "engine/manifest.h"

#include <cerrno>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "io/hashing_file.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/test_bytes.h"

namespace tidemark::engine {
namespace {

using ::tidemark::testing::AsBytes;
using ::tidemark::testing::FaultInjectionFileSystem;
using ::tidemark::testing::FsOp;
using ::tidemark::testing::MemFileSystem;

constexpr char kHashA[] = "99aa06d3014798d86001c324468d497f";
constexpr char kHashB[] = "06b05ab6733a618578af5f94892f3950";

Manifest SmallManifest() {
  Manifest m;
  m.producer = "tidemark 0.1.0";
  m.backup_uuid = "e3804f01-e57a-11f1-9482-02fc00000001";
  m.server_version = "10.11.19-MariaDB-0+deb12u1-log";
  m.page_size = 16384;
  m.start_checkpoint_lsn = Lsn(44404);
  m.to_lsn = Lsn(44404);
  m.last_lsn = Lsn(48012);
  m.start_time = absl::FromUnixSeconds(1795245138);  // 2026-11-21T07:12:18Z
  m.end_time = absl::FromUnixSeconds(1795245139);
  m.files = {
      {"ibdata1", 12582912, kHashA, FileKind::kInnodbTablespace, TablespaceFileInfo{0, 16384, 768}},
      {"xtrabackup_checkpoints", 97, kHashB, FileKind::kMetadata, std::nullopt}};
  return m;
}

Manifest FullManifest() {
  Manifest m = SmallManifest();
  m.kind = BackupKind::kIncremental;
  m.base_backup_uuid = "base-uuid";
  m.server_uuid = "server-uuid";
  m.from_lsn = Lsn(40000);
  m.binlog = BinlogPosition{"binlog.000001", 933, "0-1-4", "0-1-4"};
  m.options = {4, "zstd", "aes-256-gcm", "xbstream"};
  m.files.push_back({"db/t.ibd.delta", 32768, kHashB, FileKind::kInnodbDelta,
                     TablespaceFileInfo{5, 8192, 3}, StoredForm{".zst.tmenc", 2100, kHashA}});
  m.files.push_back({"db/u.ibd", 65536, kHashB, FileKind::kInnodbTablespace,
                     TablespaceFileInfo{6, 16384, 4}, StoredForm{".zst", 900, kHashA}});
  m.files.push_back({"ib_logfile0", 15896, kHashA, FileKind::kRedo, std::nullopt});
  m.files.push_back({"db/caf\xe9.frm", 1, kHashA, FileKind::kNonInnodb, std::nullopt});
  m.files.push_back({"db/caf\xc3\xa9.MYD", 1, kHashA, FileKind::kNonInnodb, std::nullopt});
  return m;
}

// The manifest's digest recomputed after a test edited the text on purpose.
std::string Reseal(std::string text) {
  const std::string marker = ",\n  \"manifest_xxh3_128\": \"";
  size_t at = text.rfind(marker);
  std::string digest = io::HashBytes(AsBytes(std::string_view(text).substr(0, at))).xxh3_128;
  return text.replace(at + marker.size(), 32, digest);
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(ManifestTest, LayoutIsOneMemberPerLineAndOneLinePerFile) {
  std::string text = SerializeManifest(SmallManifest());
  std::string body =
      "{\n  \"format\": \"tidemark-manifest\",\n  \"format_version\": 1,\n"
      "  \"producer\": \"tidemark 0.1.0\",\n"
      "  \"backup_uuid\": \"e3804f01-e57a-11f1-9482-02fc00000001\",\n  \"kind\": \"full\",\n"
      "  \"base_backup_uuid\": \"\",\n"
      "  \"server\": {\"version\":\"10.11.19-MariaDB-0+deb12u1-log\",\"uuid\":\"\","
      "\"page_size\":16384},\n"
      "  \"lsn\": {\"start_checkpoint\":44404,\"from\":0,\"to\":44404,\"last\":48012},\n"
      "  \"binlog\": null,\n  \"start_time\": \"2026-11-21T07:12:18Z\",\n"
      "  \"end_time\": \"2026-11-21T07:12:19Z\",\n"
      "  \"options\": {\"parallel\":1,\"compression\":\"none\",\"encryption\":\"none\","
      "\"format\":\"directory\"},\n  \"files\": [\n"
      "    {\"path\":\"ibdata1\",\"size\":12582912,\"xxh3_128\":\"" +
      std::string(kHashA) +
      "\",\"kind\":\"innodb-tablespace\",\"space_id\":0,\"page_size\":16384,\"pages\":768},\n"
      "    {\"path\":\"xtrabackup_checkpoints\",\"size\":97,\"xxh3_128\":\"" +
      kHashB + "\",\"kind\":\"metadata\"}\n  ]";
  std::string digest = io::HashBytes(AsBytes(body)).xxh3_128;
  EXPECT_EQ(text, body + ",\n  \"manifest_xxh3_128\": \"" + digest + "\"\n}\n");
}

TEST(ManifestTest, RoundTripsEveryField) {
  for (const Manifest& m : {SmallManifest(), FullManifest(), Manifest{}}) {
    std::string text = SerializeManifest(m);
    absl::StatusOr<Manifest> back = ParseManifest(text, "m");
    ASSERT_TRUE(back.ok()) << back.status() << "\n" << text;
    EXPECT_EQ(*back, m);
    EXPECT_EQ(SerializeManifest(*back), text);
  }
}

TEST(ManifestTest, StoredFormOfAnEncodedFile) {
  std::string text = SerializeManifest(FullManifest());
  EXPECT_NE(text.find("\"pages\":4,\"stored\":{\"suffix\":\".zst\",\"size\":900,\"xxh3_128\":\"" +
                      std::string(kHashA) + "\"}}"),
            std::string::npos)
      << text;
  auto error = [&](std::string_view from, std::string_view to) {
    return ParseManifest(Reseal(Replace(text, from, to)), "m").status();
  };
  EXPECT_EQ(error("\"suffix\":\".zst\"", "\"suffix\":\".gz\""),
            absl::DataLossError("manifest 'm': files[3].stored.suffix: unknown '.gz'"));
  EXPECT_EQ(error("\"size\":900,", ""),
            absl::DataLossError("manifest 'm': files[3].stored.size: missing"));
}

TEST(ManifestTest, PathThatIsNotUtf8IsStoredAsHex) {
  std::string text = SerializeManifest(FullManifest());
  EXPECT_NE(text.find("{\"path_hex\":\"64622f636166e92e66726d\","), std::string::npos);
  EXPECT_NE(text.find("{\"path\":\"db/caf\xc3\xa9.MYD\","), std::string::npos);
}

TEST(ManifestTest, WriteThenReadFromDirectory) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("b").ok());
  ASSERT_TRUE(WriteManifest(fs, "b", FullManifest()).ok());
  EXPECT_EQ(fs.Stat("b/tidemark_manifest.json")->mode, 0640u);
  EXPECT_FALSE(fs.Stat("b/tidemark_manifest.json.tmp").ok());
  EXPECT_EQ(*ReadManifest(fs, "b"), FullManifest());
  ASSERT_TRUE(WriteManifest(fs, "b/", SmallManifest()).ok());  // replaced atomically
  EXPECT_EQ(*ReadManifest(fs, "b/"), SmallManifest());
}

TEST(ManifestTest, WriteSyncsFileThenDirectory) {
  MemFileSystem mem;
  ASSERT_TRUE(mem.CreateDir("b").ok());
  FaultInjectionFileSystem fs(mem);
  ASSERT_TRUE(WriteManifest(fs, "b", SmallManifest()).ok());
  EXPECT_EQ(fs.count(FsOp::kSync), 1);
  EXPECT_EQ(fs.count(FsOp::kRename), 1);
  EXPECT_EQ(fs.count(FsOp::kSyncDir), 1);
}

TEST(ManifestTest, MissingManifestMeansIncompleteBackup) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("b").ok());
  EXPECT_EQ(ReadManifest(fs, "b").status(),
            absl::NotFoundError(
                "backup 'b' is incomplete: no tidemark_manifest.json (the backup did not finish)"));
  EXPECT_EQ(ReadManifest(fs, "nope").status(), absl::NotFoundError("backup 'nope' does not exist"));
}

TEST(ManifestTest, FullDiskLeavesNoManifestAndNoTemporary) {
  MemFileSystem mem;
  ASSERT_TRUE(mem.CreateDir("b").ok());
  FaultInjectionFileSystem fs(mem);
  fs.FailWritesAfter(100);
  EXPECT_EQ(WriteManifest(fs, "b", SmallManifest()),
            absl::ResourceExhaustedError(
                "write 'b/tidemark_manifest.json.tmp' at 100: No space left on device"));
  EXPECT_TRUE(mem.ListDir("b")->empty());
  EXPECT_TRUE(absl::IsNotFound(ReadManifest(mem, "b").status()));
}

TEST(ManifestTest, FailedRenameLeavesNoManifest) {
  MemFileSystem mem;
  ASSERT_TRUE(mem.CreateDir("b").ok());
  FaultInjectionFileSystem fs(mem);
  fs.FailNth(FsOp::kRename, 1, EIO);
  EXPECT_EQ(WriteManifest(fs, "b", SmallManifest()).code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(mem.ListDir("b")->empty());
}

TEST(ManifestTest, EveryTruncationIsDataLoss) {
  std::string text = SerializeManifest(FullManifest());
  for (size_t n = 0; n < text.size() - 1; ++n) {  // the final newline is optional
    absl::Status s = ParseManifest(text.substr(0, n), "m").status();
    ASSERT_EQ(s.code(), absl::StatusCode::kDataLoss) << n << ": " << s;
  }
  EXPECT_EQ(ParseManifest(text.substr(0, 40), "b/tidemark_manifest.json").status(),
            absl::DataLossError("manifest 'b/tidemark_manifest.json': not valid JSON (error at "
                                "byte 41: truncated or garbled)"));
}

TEST(ManifestTest, EveryFlippedBitIsDataLoss) {
  std::string text = SerializeManifest(FullManifest());
  for (size_t i = 0; i < text.size(); ++i) {
    std::string bad = text;
    bad[i] ^= 0x01;
    absl::Status s = ParseManifest(bad, "m").status();
    ASSERT_EQ(s.code(), absl::StatusCode::kDataLoss) << i << ": " << s;
  }
}

TEST(ManifestTest, ChangedValueIsCaughtByTheDigest) {
  std::string text = Replace(SerializeManifest(SmallManifest()), "12582912", "12582913");
  absl::Status s = ParseManifest(text, "m").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(std::string(s.message()).starts_with("manifest 'm': manifest_xxh3_128: stored "))
      << s;
  std::string reformatted =
      Replace(SerializeManifest(SmallManifest()), "\n  \"files\"", "\"files\"");
  reformatted = Replace(reformatted, ",\n  \"manifest_xxh3_128\": ", ",\"manifest_xxh3_128\":");
  EXPECT_EQ(ParseManifest(reformatted, "m").status(),
            absl::DataLossError("manifest 'm': manifest_xxh3_128: not where tidemark writes it "
                                "(the file was edited)"));
}

TEST(ManifestTest, BadFieldsAreNamed) {
  std::string text = SerializeManifest(SmallManifest());
  auto error = [&](std::string_view from, std::string_view to) {
    return ParseManifest(Reseal(Replace(text, from, to)), "m").status();
  };
  EXPECT_EQ(error("\"size\":97,", ""), absl::DataLossError("manifest 'm': files[1].size: missing"));
  EXPECT_EQ(error("\"size\":97", "\"size\":-97"),
            absl::DataLossError("manifest 'm': files[1].size: expected an unsigned integer"));
  EXPECT_EQ(error("\"kind\":\"metadata\"", "\"kind\":\"config\""),
            absl::DataLossError("manifest 'm': files[1].kind: unknown 'config'"));
  EXPECT_EQ(error(kHashB, "xyz"),
            absl::DataLossError("manifest 'm': files[1].xxh3_128: 'xyz' is not 32 hex digits"));
  EXPECT_EQ(error("\"path\":\"ibdata1\"", "\"path\":\"../ibdata1\""),
            absl::DataLossError(
                "manifest 'm': files[0].path: '../ibdata1' is not a relative path inside the "
                "backup"));
  EXPECT_EQ(error("\"xtrabackup_checkpoints\"", "\"ibdata1\""),
            absl::DataLossError("manifest 'm': files[1].path: duplicate 'ibdata1'"));
  EXPECT_EQ(error("\"page_size\":16384}", "\"page_size\":\"16k\"}"),
            absl::DataLossError("manifest 'm': server.page_size: expected an unsigned integer"));
  EXPECT_EQ(
      error("\"start_time\": \"2026-11-21T07:12:18Z\"", "\"start_time\": \"yesterday\""),
      absl::DataLossError("manifest 'm': start_time: 'yesterday' is not YYYY-MM-DDTHH:MM:SSZ"));
}

TEST(ManifestTest, VersionAndFormatAreCheckedFirst) {
  std::string text = SerializeManifest(SmallManifest());
  EXPECT_EQ(
      ParseManifest(Replace(text, "\"format_version\": 1", "\"format_version\": 2"), "m").status(),
      absl::FailedPreconditionError(
          "manifest 'm': format_version 2 is newer than this tidemark reads (1)"));
  EXPECT_EQ(ParseManifest(Replace(text, "tidemark-manifest", "pgbackrest"), "m").status(),
            absl::DataLossError("manifest 'm': format: 'pgbackrest' is not 'tidemark-manifest'"));
  EXPECT_EQ(ParseManifest("[1, 2]", "m").status(),
            absl::DataLossError("manifest 'm': not a JSON object"));
  EXPECT_EQ(ParseManifest("{}", "m").status(),
            absl::DataLossError("manifest 'm': format: missing"));
}

TEST(ManifestTest, UnknownMembersAreIgnored) {
  std::string text = SerializeManifest(SmallManifest());
  text = Reseal(Replace(text, "\"binlog\": null,", "\"binlog\": null,\n  \"later\": [1],"));
  absl::StatusOr<Manifest> m = ParseManifest(text, "m");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(*m, SmallManifest());
}

}  // namespace
}  // namespace tidemark::engine
