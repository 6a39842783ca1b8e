// Tests of the xbstream writer and reader (engine/xbstream.h): the exact chunk bytes, round
// trips with interleaved files (from threads too), empty files, zero-length payloads and seeks,
// and one test per kind of damage, each asserting the exact code, message and error kind.
#include "engine/xbstream.h"

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "innodb/base/crc32.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/test_bytes.h"

namespace tidemark::engine {
namespace {

using ::tidemark::testing::AsBytes;
using ::tidemark::testing::PatternBytes;

// A sink appending to a string, thread-safe.
struct StringSink {
  absl::Mutex mu;
  std::string data;
  XbstreamSink Sink() {
    return [this](ByteSpan b) {
      absl::MutexLock lock(&mu);
      data.append(reinterpret_cast<const char*>(b.data()), b.size());
      return absl::OkStatus();
    };
  }
};

std::string Le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}
std::string Le64(uint64_t v) { return Le32(static_cast<uint32_t>(v)) + Le32(v >> 32); }

std::string Header(char type, std::string_view path, uint8_t flags = 0) {
  return std::string("XBSTCK01") + static_cast<char>(flags) + type +
         Le32(static_cast<uint32_t>(path.size())) + std::string(path);
}
std::string P(std::string_view path, uint64_t offset, std::string_view payload) {
  return Header('P', path) + Le64(payload.size()) + Le64(offset) +
         Le32(Crc32(AsBytes(payload))) + std::string(payload);
}
std::string E(std::string_view path) { return Header('E', path); }
std::string S(std::string_view path, uint64_t offset) { return Header('S', path) + Le64(offset); }

// Reads a whole stream: the files it builds (path -> bytes, holes as zeros) or the error.
absl::StatusOr<std::map<std::string, std::string>> ReadFiles(const std::string& stream,
                                                             size_t max_read = 1 << 20,
                                                             std::vector<XbstreamChunk>* out = {}) {
  auto src = io::NewMemorySource(AsBytes(stream), "test.xb", max_read);
  XbstreamReader reader(*src);
  std::map<std::string, std::string> files;
  XbstreamChunk c;
  for (;;) {
    absl::StatusOr<bool> got = reader.Next(c);
    if (!got.ok()) return got.status();
    if (!*got) return files;
    if (out != nullptr) out->push_back(c);
    if (c.type == XbstreamChunkType::kRename || c.type == XbstreamChunkType::kRemove) continue;
    std::string& f = files[c.path];
    if (c.type != XbstreamChunkType::kPayload) continue;
    if (f.size() < c.offset + c.payload.size()) f.resize(c.offset + c.payload.size());
    f.replace(c.offset, c.payload.size(), std::string(c.payload.begin(), c.payload.end()));
  }
}

absl::Status Write(XbstreamWriter& w, std::string_view path, std::string_view data) {
  return w.WriteFile(path, AsBytes(data));
}

TEST(XbstreamTest, PayloadChunkBytesAreMariadbBackupsLayout) {
  StringSink out;
  XbstreamWriter w(out.Sink());
  TM_ASSERT_OK(Write(w, "db/t.frm", "abc"));
  TM_ASSERT_OK(w.Finish());
  EXPECT_EQ(out.data, P("db/t.frm", 0, "abc") + E("db/t.frm"));
  EXPECT_EQ(out.data.substr(0, 14), std::string("XBSTCK01\0P\x08\0\0\0", 14));
  EXPECT_EQ(w.bytes_written(), out.data.size());
}

TEST(XbstreamTest, WritableFileSinkAppendsChunks) {
  testing::MemFileSystem fs;
  TM_ASSERT_OK_AND_ASSIGN(auto out, fs.OpenForWrite("s.xb"));
  XbstreamWriter w(WritableFileSink(*out));
  TM_ASSERT_OK(Write(w, "f", "xyz"));
  TM_ASSERT_OK(w.Finish());
  TM_ASSERT_OK(out->Close());
  TM_ASSERT_OK_AND_ASSIGN(std::string data, io::ReadFileToString(fs, "s.xb"));
  EXPECT_EQ(data, P("f", 0, "xyz") + E("f"));
}

TEST(XbstreamTest, RoundTripInterleavedFilesInSmallChunks) {
  StringSink out;
  XbstreamWriter w(out.Sink(), /*chunk_size=*/4);
  TM_ASSERT_OK_AND_ASSIGN(auto a, w.OpenFile("a"));
  TM_ASSERT_OK_AND_ASSIGN(auto b, w.OpenFile("dir/b"));
  TM_ASSERT_OK(a->Append(AsBytes("hello")));
  TM_ASSERT_OK(b->Append(AsBytes("world, longer")));
  TM_ASSERT_OK(a->Append(AsBytes(" there")));
  TM_ASSERT_OK(a->Close());
  TM_ASSERT_OK(b->Close());
  TM_ASSERT_OK(w.Finish());
  std::vector<XbstreamChunk> chunks;
  TM_ASSERT_OK_AND_ASSIGN(auto files, ReadFiles(out.data, 3, &chunks));
  EXPECT_EQ(files["a"], "hello there");
  EXPECT_EQ(files["dir/b"], "world, longer");
  bool interleaved = false;
  for (size_t i = 1; i < chunks.size(); ++i) {
    EXPECT_LE(chunks[i].payload.size(), 4u);
    interleaved |= chunks[i].path != chunks[i - 1].path && chunks[i].path == "a";
  }
  EXPECT_TRUE(interleaved);
}

TEST(XbstreamTest, BigAppendIsSplitIntoChunks) {
  StringSink out;
  XbstreamWriter w(out.Sink(), 1000);
  const std::string data = PatternBytes(4500);
  TM_ASSERT_OK(Write(w, "big", data));
  std::vector<XbstreamChunk> chunks;
  TM_ASSERT_OK_AND_ASSIGN(auto files, ReadFiles(out.data, 1 << 20, &chunks));
  EXPECT_EQ(files["big"], data);
  ASSERT_EQ(chunks.size(), 6u);  // 5 P + E
  EXPECT_EQ(chunks[4].payload.size(), 500u);
}

TEST(XbstreamTest, EmptyFileIsOneEndChunk) {
  StringSink out;
  XbstreamWriter w(out.Sink());
  TM_ASSERT_OK(Write(w, "empty", ""));
  EXPECT_EQ(out.data, E("empty"));
  TM_ASSERT_OK_AND_ASSIGN(auto files, ReadFiles(out.data));
  ASSERT_EQ(files.count("empty"), 1u);
  EXPECT_EQ(files["empty"], "");
}

TEST(XbstreamTest, ZeroLengthPayloadIsAccepted) {
  TM_ASSERT_OK_AND_ASSIGN(auto files, ReadFiles(P("z", 0, "") + P("z", 0, "ab") + E("z")));
  EXPECT_EQ(files["z"], "ab");
}

TEST(XbstreamTest, WriteAtElsewhereEmitsSeek) {
  StringSink out;
  XbstreamWriter w(out.Sink());
  TM_ASSERT_OK_AND_ASSIGN(auto f, w.OpenFile("holey"));
  TM_ASSERT_OK(f->Append(AsBytes("ab")));
  TM_ASSERT_OK(f->WriteAt(10, AsBytes("xy")));
  TM_ASSERT_OK(f->Close());
  EXPECT_EQ(out.data, P("holey", 0, "ab") + S("holey", 10) + P("holey", 10, "xy") + E("holey"));
  TM_ASSERT_OK_AND_ASSIGN(auto files, ReadFiles(out.data));
  EXPECT_EQ(files["holey"], std::string("ab\0\0\0\0\0\0\0\0xy", 12));
}

TEST(XbstreamTest, TruncateExtendsButCannotShrink) {
  StringSink out;
  XbstreamWriter w(out.Sink());
  TM_ASSERT_OK_AND_ASSIGN(auto f, w.OpenFile("t"));
  TM_ASSERT_OK(f->Append(AsBytes("abc")));
  TM_ASSERT_OK(f->Truncate(6));
  EXPECT_EQ(f->Truncate(2),
            absl::UnimplementedError(
                "truncate 't' to 2: a file in an xbstream cannot shrink (it has 6 bytes)"));
  TM_ASSERT_OK(f->Close());
  TM_ASSERT_OK_AND_ASSIGN(auto files, ReadFiles(out.data));
  EXPECT_EQ(files["t"], std::string("abc\0\0\0", 6));
}

TEST(XbstreamTest, FilesFromManyThreadsInterleave) {
  StringSink out;
  XbstreamWriter w(out.Sink(), 64);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&w, t] {
      for (int i = 0; i < 5; ++i) {
        const std::string path = absl::StrFormat("t%d/f%d", t, i);
        EXPECT_TRUE(Write(w, path, PatternBytes(1000 + i * 37, t * 10 + i)).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  TM_ASSERT_OK(w.Finish());
  TM_ASSERT_OK_AND_ASSIGN(auto files, ReadFiles(out.data, 100));
  ASSERT_EQ(files.size(), 20u);
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(files[absl::StrFormat("t%d/f%d", t, i)], PatternBytes(1000 + i * 37, t * 10 + i));
    }
  }
}

TEST(XbstreamTest, WriterRefusesUnsafeAndDuplicatePaths) {
  StringSink out;
  XbstreamWriter w(out.Sink());
  for (std::string_view bad : {"", "/etc/passwd", "../x", "a/../b", ".hidden", "a//b", "a/./b",
                               "a/"}) {
    EXPECT_EQ(w.OpenFile(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(w.OpenFile(std::string(512, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
  TM_ASSERT_OK(w.OpenFile(std::string(511, 'x')).status());  // destroyed unclosed
  TM_ASSERT_OK(Write(w, "db/.t", "ok"));  // a dot inside is fine (mbstream accepts it)
  EXPECT_EQ(w.OpenFile("db/.t").status(),
            absl::AlreadyExistsError("'db/.t' is already in the stream"));
  TM_ASSERT_OK(w.OpenFile("db/.t", /*rewrite=*/true).status());
}

TEST(XbstreamTest, FinishReportsOpenAndUnclosedFiles) {
  StringSink out;
  XbstreamWriter w(out.Sink());
  TM_ASSERT_OK_AND_ASSIGN(auto f, w.OpenFile("open"));
  EXPECT_EQ(w.Finish(), absl::FailedPreconditionError("xbstream: 1 files are still open: 'open'"));
  f.reset();
  EXPECT_EQ(w.Finish(), absl::FailedPreconditionError(
                            "xbstream: 'open' was not written completely ('open' was not closed)"));
  EXPECT_EQ(out.data, "");  // no E chunk: extraction sees the file as incomplete
}

TEST(XbstreamTest, SinkFailureIsSticky) {
  int calls = 0;
  XbstreamWriter w([&](ByteSpan) {
    return ++calls == 2 ? absl::ResourceExhaustedError("write 'stdout': No space left on device")
                        : absl::OkStatus();
  });
  const absl::Status full = absl::ResourceExhaustedError("write 'stdout': No space left on device");
  EXPECT_EQ(Write(w, "a", "abc"), full);  // header passes, payload fails
  EXPECT_EQ(Write(w, "b", "abc"), full);
  EXPECT_EQ(w.Finish(), full);
  EXPECT_EQ(calls, 2);
}

// ---- Damage: each kind gives its own error.

void ExpectError(const std::string& stream, absl::StatusCode code, std::string_view message,
                 XbstreamErrorKind kind) {
  absl::StatusOr<std::map<std::string, std::string>> r = ReadFiles(stream);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code) << r.status();
  EXPECT_EQ(std::string(r.status().message()), message);
  EXPECT_EQ(GetXbstreamErrorKind(r.status()), kind) << r.status();
}

TEST(XbstreamTest, BadMagic) {
  std::string s = P("a", 0, "x") + P("a", 1, "y") + E("a");
  const size_t second = P("a", 0, "x").size();
  s[second + 7] = '2';
  ExpectError(s, absl::StatusCode::kDataLoss,
              absl::StrFormat("xbstream 'test.xb' at byte %d: bad chunk magic 'XBSTCK02' "
                              "(expected 'XBSTCK01')", second),
              XbstreamErrorKind::kCorrupt);
}

TEST(XbstreamTest, UnknownTypeFailsUnlessIgnorable) {
  std::string unknown = Header('Q', "a") + Le64(1) + Le64(0) + Le32(Crc32(AsBytes("z"))) + "z";
  ExpectError(unknown, absl::StatusCode::kDataLoss,
              "xbstream 'test.xb' at byte 0: unknown chunk type 0x51 for 'a' (not ignorable)",
              XbstreamErrorKind::kCorrupt);
  unknown[8] = kXbstreamFlagIgnorable;
  TM_ASSERT_OK_AND_ASSIGN(auto files, ReadFiles(unknown + P("b", 0, "ok") + E("b")));
  EXPECT_EQ(files.size(), 1u);
  EXPECT_EQ(files["b"], "ok");
}

TEST(XbstreamTest, PathTooLong) {
  std::string s = Header('E', std::string(600, 'p'));
  ExpectError(s, absl::StatusCode::kDataLoss,
              "xbstream 'test.xb' at byte 0: path length 600 exceeds 511",
              XbstreamErrorKind::kCorrupt);
}

TEST(XbstreamTest, PathTraversalIsRefused) {
  for (std::string_view bad : {"../etc/passwd", "/etc/passwd", ".bashrc", "db/../../x"}) {
    ExpectError(P(bad, 0, "x") + E(bad), absl::StatusCode::kDataLoss,
                absl::StrFormat("xbstream 'test.xb' at byte 0: unsafe path '%s' in an xbstream: "
                                "must be relative, without '.', '..' or empty components, not "
                                "starting with '.'",
                                bad),
                XbstreamErrorKind::kCorrupt);
  }
}

TEST(XbstreamTest, ChecksumMismatchNamesFileAndOffset) {
  std::string s = P("db/t.ibd", 0, "abcd") + P("db/t.ibd", 4, "efgh") + E("db/t.ibd");
  const size_t second = P("db/t.ibd", 0, "abcd").size();
  s[second + P("db/t.ibd", 4, "efgh").size() - 1] ^= 0x01;  // last payload byte
  ExpectError(s, absl::StatusCode::kDataLoss,
              absl::StrFormat("xbstream 'test.xb' at byte %d: chunk of 'db/t.ibd' at file offset "
                              "4: checksum mismatch (stored 0x%08x, computed 0x%08x)",
                              second, Crc32(AsBytes("efgh")), Crc32(AsBytes("efgi"))),
              XbstreamErrorKind::kCorrupt);
}

TEST(XbstreamTest, OutOfOrderOffset) {
  const std::string first = P("a", 0, "abcd");
  ExpectError(first + P("a", 8, "efgh") + E("a"), absl::StatusCode::kDataLoss,
              absl::StrFormat("xbstream 'test.xb' at byte %d: out-of-order chunk of 'a': file "
                              "offset 8, expected 4",
                              first.size()),
              XbstreamErrorKind::kCorrupt);
  ExpectError(P("b", 3, "x"), absl::StatusCode::kDataLoss,
              "xbstream 'test.xb' at byte 0: out-of-order chunk of 'b': file offset 3, expected 0",
              XbstreamErrorKind::kCorrupt);
}

TEST(XbstreamTest, TruncatedInsidePayload) {
  const std::string whole = P("db/t.ibd", 0, "abcdefgh") + E("db/t.ibd");
  const std::string cut = whole.substr(0, P("db/t.ibd", 0, "abcdefgh").size() - 3);
  ExpectError(cut, absl::StatusCode::kOutOfRange,
              absl::StrFormat("truncated stream 'test.xb': the chunk of 'db/t.ibd' at byte 0 ends "
                              "at byte %d, the input at byte %d",
                              cut.size() + 3, cut.size()),
              XbstreamErrorKind::kInput);
}

TEST(XbstreamTest, TruncatedInsideHeader) {
  const std::string first = P("a", 0, "x") + E("a");
  ExpectError(first + E("b").substr(0, 5), absl::StatusCode::kOutOfRange,
              absl::StrFormat("truncated stream 'test.xb': ends at byte %d inside the header of "
                              "the chunk at byte %d",
                              first.size() + 5, first.size()),
              XbstreamErrorKind::kInput);
}

TEST(XbstreamTest, FilesNotClosedAtEndOfStream) {
  const std::string s = P("b", 0, "x") + P("a", 0, "y") + P("c", 0, "z") + E("c");
  ExpectError(s, absl::StatusCode::kOutOfRange,
              absl::StrFormat("truncated stream 'test.xb': ends at byte %d with 2 files not "
                              "closed by an end chunk: 'a', 'b'",
                              s.size()),
              XbstreamErrorKind::kInput);
}

TEST(XbstreamTest, RenameAndRemoveOfAnOpenFileAreRefused) {
  const std::string open = P("a", 0, "x");
  ExpectError(open + Header('D', "a"), absl::StatusCode::kDataLoss,
              absl::StrFormat("xbstream 'test.xb' at byte %d: remove chunk for 'a', which is open",
                              open.size()),
              XbstreamErrorKind::kCorrupt);
  TM_ASSERT_OK_AND_ASSIGN(auto files,
                          ReadFiles(open + E("a") + Header('R', "a") + Le32(1) + "b" +
                                    Header('D', "b")));
  EXPECT_EQ(files.size(), 1u);
}

TEST(XbstreamTest, EveryTruncationPointIsAnInputError) {
  StringSink out;
  XbstreamWriter w(out.Sink(), 7);
  TM_ASSERT_OK(Write(w, "a", "0123456789abcdef"));
  TM_ASSERT_OK(Write(w, "b", ""));
  for (size_t n = 1; n < out.data.size(); ++n) {
    absl::StatusOr<std::map<std::string, std::string>> r = ReadFiles(out.data.substr(0, n));
    if (r.ok()) {  // only at a chunk boundary with every file closed: right after E("a")
      EXPECT_EQ(n, out.data.size() - E("b").size()) << n;
      continue;
    }
    EXPECT_EQ(GetXbstreamErrorKind(r.status()), XbstreamErrorKind::kInput) << n << r.status();
  }
}

TEST(XbstreamTest, EverySingleByteFlipIsDetectedOrHarmless) {
  StringSink out;
  XbstreamWriter w(out.Sink(), 7);
  TM_ASSERT_OK(Write(w, "ab", "0123456789abcdef"));
  TM_ASSERT_OK_AND_ASSIGN(auto good, ReadFiles(out.data));
  for (size_t i = 0; i < out.data.size(); ++i) {
    std::string s = out.data;
    s[i] ^= 0x04;
    absl::StatusOr<std::map<std::string, std::string>> r = ReadFiles(s);
    // Only the flags byte may change without an error (0x04 is no flag anyone reads).
    if (r.ok()) {
      EXPECT_EQ(*r, good) << "byte " << i;
    } else {
      EXPECT_NE(GetXbstreamErrorKind(r.status()), XbstreamErrorKind::kOther) << i;
    }
  }
}

}  // namespace
}  // namespace tidemark::engine
