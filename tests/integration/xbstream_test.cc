// xbstream against the real tools: a `mariadb-backup --stream=xbstream` stream unpacked by
// `tidemark extract` and by `mbstream -x` gives byte-identical trees (also with --parallel
// and from stdin); a stream written by our XbstreamWriter unpacks with `mbstream -x` to the
// bytes written; a truncated stream and a flipped payload byte make `tidemark extract` exit
// 4 and 3, naming the file, with no partial file left.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "engine/xbstream.h"
#include "io/byte_stream.h"
#include "tests/support/restore_check.h"
#include "tests/support/status_macros.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_bytes.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_server.h"

namespace tidemark::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Every regular file under `dir`: relative path -> contents.
std::map<std::string, std::string> ReadTree(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    out[fs::relative(e.path(), dir).string()] = ReadWholeFile(e.path().string());
  }
  return out;
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

// The tree difference in one line per problem (empty when equal).
std::vector<std::string> TreeDiff(const std::map<std::string, std::string>& a,
                                  const std::map<std::string, std::string>& b) {
  std::vector<std::string> out;
  for (const auto& [path, data] : a) {
    auto it = b.find(path);
    if (it == b.end()) out.push_back("only in A: " + path);
    else if (it->second != data) out.push_back("differs: " + path);
  }
  for (const auto& [path, data] : b) {
    if (a.count(path) == 0) out.push_back("only in B: " + path);
  }
  return out;
}

// A stream of a small server taken by mariadb-backup.
class XbstreamIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* p : {"mariadbd", "mariadb-install-db", "mariadb", "mariadb-backup",
                          "mbstream"}) {
      if (!FindProgram(p).ok()) return;  // SetUp reports it, per test
    }
    auto server = TestServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    TM_ASSERT_OK((*server)->Query(
        "CREATE DATABASE db; CREATE TABLE db.t (id INT PRIMARY KEY, v VARCHAR(200)) "
        "ENGINE=InnoDB; INSERT INTO db.t SELECT seq, REPEAT(CHAR(65 + seq % 26), 150) FROM "
        "db.seq_1_to_20000; CREATE TABLE db.c (id INT PRIMARY KEY, b BLOB) ENGINE=InnoDB "
        "ROW_FORMAT=COMPRESSED; INSERT INTO db.c SELECT seq, REPEAT('x', 3000) FROM "
        "db.seq_1_to_500; CREATE TABLE db.a (id INT) ENGINE=Aria; INSERT INTO db.a VALUES (1)"));
    scratch_ = new TempDir();
    fs::create_directories(scratch_->Join("mbtarget"));
    auto r = RunCommand({"mariadb-backup", "--backup", "--stream=xbstream", "--parallel=2",
                         "--target-dir=" + scratch_->Join("mbtarget"),
                         "--socket=" + (*server)->socket(), "--user=root"},
                        {.timeout = std::chrono::minutes(3)});
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->exit_code, 0) << r->Describe();
    stream_ = new std::string(std::move(r->out));
  }
  static void TearDownTestSuite() {
    delete stream_;
    delete scratch_;
    stream_ = nullptr;
    scratch_ = nullptr;
  }
  void SetUp() override {
    TM_REQUIRE_PROGRAMS("mariadbd", "mariadb-install-db", "mariadb", "mariadb-backup",
                        "mbstream");
    ASSERT_NE(stream_, nullptr) << "no stream: the suite's setup failed (see above)";
  }

  // `tidemark extract` of `stream` (from stdin, or from FILE when `as_file`) into `dir`.
  static absl::StatusOr<CommandResult> TidemarkExtract(const std::string& stream,
                                                       const std::string& dir,
                                                       std::vector<std::string> extra = {},
                                                       const std::string& file = "") {
    std::vector<std::string> args = {"extract", "-C", dir, "--no-sync"};
    args.insert(args.end(), extra.begin(), extra.end());
    if (!file.empty()) {
      WriteFile(file, stream);
      args.push_back(file);
      return Tidemark(args);
    }
    return RunCommand([&] {
      std::vector<std::string> argv = {TidemarkBinary()};
      argv.insert(argv.end(), args.begin(), args.end());
      return argv;
    }(), {.stdin_data = stream});
  }

  static absl::StatusOr<CommandResult> Mbstream(const std::string& stream,
                                                const std::string& dir) {
    fs::create_directories(dir);
    return RunCommand({"mbstream", "-x", "-C", dir}, {.stdin_data = stream});
  }

  static TempDir* scratch_;
  static std::string* stream_;
};

TempDir* XbstreamIntegrationTest::scratch_ = nullptr;
std::string* XbstreamIntegrationTest::stream_ = nullptr;

TEST_F(XbstreamIntegrationTest, MariadbBackupStreamExtractsLikeMbstream) {
  TempDir t;
  TM_ASSERT_OK_AND_ASSIGN(CommandResult mb, Mbstream(*stream_, t.Join("B")));
  ASSERT_EQ(mb.exit_code, 0) << mb.Describe();
  TM_ASSERT_OK_AND_ASSIGN(CommandResult ours, TidemarkExtract(*stream_, t.Join("A")));
  ASSERT_EQ(ours.exit_code, 0) << ours.Describe();
  EXPECT_THAT(ours.err, HasSubstr("tidemark: extract complete:"));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult par,
                          TidemarkExtract(*stream_, t.Join("P"), {"--parallel", "4"},
                                          t.Join("stream.xb")));
  ASSERT_EQ(par.exit_code, 0) << par.Describe();
  const auto b = ReadTree(t.Join("B"));
  EXPECT_GT(b.size(), 10u);
  // db/t.new instead of db/t.ibd when mariadb-backup saw the CREATE in the redo it copied.
  EXPECT_EQ(b.count("db/t.ibd") + b.count("db/t.new"), 1u);
  EXPECT_EQ(b.count("xtrabackup_checkpoints"), 1u);
  EXPECT_THAT(TreeDiff(ReadTree(t.Join("A")), b), ::testing::IsEmpty());
  EXPECT_THAT(TreeDiff(ReadTree(t.Join("P")), b), ::testing::IsEmpty());
  EXPECT_EQ(fs::status(t.Join("A/db/t.frm")).permissions() & fs::perms::others_all,
            fs::perms::none);
}

TEST_F(XbstreamIntegrationTest, OurStreamExtractsWithMbstream) {
  TempDir t;
  std::string stream;
  engine::XbstreamWriter w([&](ByteSpan b) {
    stream.append(reinterpret_cast<const char*>(b.data()), b.size());
    return absl::OkStatus();
  });
  const std::string big = PatternBytes(23 << 20, 5);  // three chunks of <= 10 MiB
  std::map<std::string, std::string> expected = {
      {"big.ibd", big}, {"db/small.frm", "frm"}, {"db/empty", ""},
      {"holey", std::string("ab") + std::string(100, '\0') + "cd"}};
  TM_ASSERT_OK_AND_ASSIGN(auto f1, w.OpenFile("big.ibd"));
  TM_ASSERT_OK_AND_ASSIGN(auto f2, w.OpenFile("db/small.frm"));
  TM_ASSERT_OK(f1->Append(AsBytes(std::string_view(big).substr(0, 12 << 20))));
  TM_ASSERT_OK(f2->Append(AsBytes("frm")));
  TM_ASSERT_OK(f1->Append(AsBytes(std::string_view(big).substr(12 << 20))));
  TM_ASSERT_OK(f2->Close());
  TM_ASSERT_OK(f1->Close());
  TM_ASSERT_OK(w.WriteFile("db/empty", {}));
  TM_ASSERT_OK_AND_ASSIGN(auto f3, w.OpenFile("holey"));
  TM_ASSERT_OK(f3->Append(AsBytes("ab")));
  TM_ASSERT_OK(f3->WriteAt(102, AsBytes("cd")));
  TM_ASSERT_OK(f3->Close());
  TM_ASSERT_OK(w.Finish());

  TM_ASSERT_OK_AND_ASSIGN(CommandResult mb, Mbstream(stream, t.Join("B")));
  ASSERT_EQ(mb.exit_code, 0) << mb.Describe();
  EXPECT_THAT(TreeDiff(ReadTree(t.Join("B")), expected), ::testing::IsEmpty());
  TM_ASSERT_OK_AND_ASSIGN(CommandResult ours, TidemarkExtract(stream, t.Join("A")));
  ASSERT_EQ(ours.exit_code, 0) << ours.Describe();
  EXPECT_THAT(TreeDiff(ReadTree(t.Join("A")), expected), ::testing::IsEmpty());
}

// No file under `dir` has the partial suffix.
void ExpectNoPartialFiles(const std::string& dir) {
  if (!fs::exists(dir)) return;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    EXPECT_THAT(e.path().string(), ::testing::Not(HasSubstr(".tidemark-partial")));
  }
}

TEST_F(XbstreamIntegrationTest, TruncatedStreamExits4NamingTheFile) {
  TempDir t;
  const std::string cut = stream_->substr(0, stream_->size() / 2);
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, TidemarkExtract(cut, t.Join("A")));
  EXPECT_EQ(r.exit_code, 4) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("truncated stream 'stdin'"));
  EXPECT_THAT(r.err, ::testing::ContainsRegex("the chunk of '[^']+' at byte|not closed by an end "
                                              "chunk: '"));
  ExpectNoPartialFiles(t.Join("A"));
}

TEST_F(XbstreamIntegrationTest, FlippedPayloadByteExits3NamingTheFile) {
  // Find a big payload chunk of db/t's tablespace (.ibd, or .new: see above); flip a byte.
  auto src = io::NewMemorySource(AsBytes(*stream_), "stream");
  engine::XbstreamReader reader(*src);
  engine::XbstreamChunk c;
  uint64_t at = 0;
  while (at == 0) {
    TM_ASSERT_OK_AND_ASSIGN(bool got, reader.Next(c));
    ASSERT_TRUE(got) << "no payload chunk of db/t.ibd";
    if ((c.path == "db/t.ibd" || c.path == "db/t.new") && c.type == engine::XbstreamChunkType::kPayload &&
        c.payload.size() > 20000) {
      at = c.stream_offset + engine::kXbstreamHeaderSize + c.path.size() + 20 + 20000;
    }
  }
  std::string damaged = *stream_;
  damaged[at] ^= 0x10;
  TempDir t;
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r,
                          TidemarkExtract(damaged, t.Join("A"), {"--parallel", "2"},
                                          t.Join("damaged.xb")));
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr(absl::StrFormat("chunk of '%s' at file offset %d: checksum "
                                               "mismatch",
                                               c.path, c.offset)));
  EXPECT_FALSE(fs::exists(t.Join("A/" + c.path)));
  ExpectNoPartialFiles(t.Join("A"));
}

}  // namespace
}  // namespace tidemark::testing
