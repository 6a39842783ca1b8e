// Tests of the changed-page collector against a fake server's circular log (redo_fake_server.h)
// on MemFileSystem + FakeClock: the set holds exactly the pages of the records written and
// the whole-space flags of FILE_* / TRIM_PAGES records, across many wraps; only durable log
// is read (a stale tail is not taken for log); and the collector refuses, with the exact
// message, a start the log no longer holds, a log overwritten while following, a replaced
// log, a start beyond the end or inside an mtr, a different history (anchor), an encrypted
// log, and durable log that does not parse.
#include "engine/redo_page_collector.h"

#include <random>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "innodb/redo/log_writer.h"
#include "tests/engine/redo_fake_server.h"
#include "tests/support/fake_clock.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"

namespace tidemark::engine {
namespace {

using innodb::ExtendedType;
using innodb::MtrBuilder;
using innodb::PageRecordType;
using innodb::RedoPageId;
using redo_test::FakeServer;
using redo_test::kCapacity;
using redo_test::kLog;
using redo_test::Payload;

constexpr char kPrefix[] = "track changed pages in '/data/ib_logfile0': ";

class CollectorTest : public ::testing::Test {
 protected:
  CollectorTest() : server_(fs_) {}

  RedoPageCollectorOptions Probed() { return {.server_log = server_.Probe()}; }

  // Appends one mtr with a WRITE to each page and records them as expected.
  Lsn Touch(const std::vector<RedoPageId>& pages) {
    MtrBuilder b;
    for (const RedoPageId& p : pages) {
      b.Write(p, 120, Payload(8, static_cast<uint8_t>(p.page.value())));
      expected_.AddPage(p.space, p.page);
    }
    return server_.Append(b);
  }
  // Appends ~`bytes` of mtrs touching random pages of spaces 1..4, syncs.
  void WriteRandom(uint64_t bytes) {
    const Lsn from = server_.lsn();
    while (server_.lsn().value() - from.value() < bytes) {
      std::vector<RedoPageId> pages;
      for (int i = 0; i < 1 + static_cast<int>(rng_() % 6); ++i) {
        pages.push_back({SpaceId(1 + rng_() % 4), PageNo(rng_() % 5000)});
      }
      Touch(pages);
    }
    server_.Sync();
  }
  std::unique_ptr<RedoPageCollector> Open(Lsn from, RedoPageCollectorOptions o) {
    absl::StatusOr<std::unique_ptr<RedoPageCollector>> c =
        RedoPageCollector::Open(fs_, clock_, kLog, {.lsn = from}, std::move(o));
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }
  // Pages and flags of `got`, without the range.
  void ExpectSameSets(const ChangedPages& got) {
    ChangedPages want(got.from_lsn(), got.to_lsn());
    for (SpaceId s : expected_.spaces()) {
      want.SetSpace(s, expected_.flags(s), expected_.pages(s));
    }
    EXPECT_EQ(got, want);
  }

  testing::MemFileSystem fs_;
  testing::FakeClock clock_;
  FakeServer server_;
  ChangedPages expected_;
  std::mt19937 rng_{42};
};

TEST_F(CollectorTest, FindsExactlyThePagesOfTheRecords) {
  const Lsn from = server_.lsn();
  Touch({{SpaceId(0), PageNo(5)}, {SpaceId(7), PageNo(70000)}});
  const RedoPageId a{SpaceId(3), PageNo(1)}, b{SpaceId(3), PageNo(2)};
  const std::vector<uint8_t> memset = {0x78, 0x04, 0x00};  // offset 120, 4 bytes of 0
  server_.Append(MtrBuilder()
                     .InitPage(a)
                     .SamePage(PageRecordType::kWrite, Payload(3, 1))
                     .FreePage(b)
                     .Page(PageRecordType::kMemset, {SpaceId(4), PageNo(9)}, memset)
                     .Extended({SpaceId(4), PageNo(10)}, ExtendedType::kUndoAppend, Payload(5, 2)));
  for (RedoPageId p :
       {a, b, RedoPageId{SpaceId(4), PageNo(9)}, RedoPageId{SpaceId(4), PageNo(10)}}) {
    expected_.AddPage(p.space, p.page);
  }
  server_.Sync();
  TM_ASSERT_OK_AND_ASSIGN(const ChangedPages got,
                          CollectChangedPages(fs_, clock_, kLog, from, {.collector = Probed()}));
  EXPECT_EQ(got.from_lsn(), from);
  EXPECT_EQ(got.to_lsn(), server_.lsn());
  ExpectSameSets(got);
  EXPECT_EQ(got.page_count(), 6u);
}

TEST_F(CollectorTest, FileRecordsMakeSpacesWhole) {
  const Lsn from = server_.lsn();
  server_.Append(
      MtrBuilder().FileCreate(SpaceId(20), "./d/a.ibd").InitPage({SpaceId(20), PageNo(0)}));
  server_.Append(MtrBuilder().FileRename(SpaceId(21), "./d/b.ibd", "./d/c.ibd"));
  server_.Append(MtrBuilder().FileDelete(SpaceId(22), "./d/e.ibd"));
  server_.Append(MtrBuilder().FileModify(SpaceId(23), "./d/f.ibd"));
  server_.Append(MtrBuilder().Extended({SpaceId(2), PageNo(640)}, ExtendedType::kTrimPages));
  server_.Append(MtrBuilder().InitPage({SpaceId(24), PageNo(0)}));
  server_.Sync();
  TM_ASSERT_OK_AND_ASSIGN(const ChangedPages got,
                          CollectChangedPages(fs_, clock_, kLog, from, {.collector = Probed()}));
  EXPECT_EQ(got.flags(SpaceId(20)), kSpaceCreated);
  EXPECT_EQ(got.flags(SpaceId(21)), kSpaceRenamed);
  EXPECT_EQ(got.flags(SpaceId(22)), kSpaceDeleted);
  EXPECT_EQ(got.flags(SpaceId(23)), 0u);  // FILE_MODIFY only names a modified space
  EXPECT_EQ(got.flags(SpaceId(2)), kSpaceTrimmed);
  EXPECT_TRUE(got.pages(SpaceId(2)).empty());  // TRIM_PAGES' page number is a size
  EXPECT_EQ(got.flags(SpaceId(24)), kSpaceCreated);
  EXPECT_TRUE(got.Contains(SpaceId(20), PageNo(0)));
  EXPECT_EQ(got.spaces().size(), 5u);
}

TEST_F(CollectorTest, FollowsFromTheCheckpointAcrossManyWraps) {
  TM_ASSERT_OK_AND_ASSIGN(auto c, RedoPageCollector::OpenAtCheckpoint(fs_, clock_, kLog, Probed()));
  EXPECT_EQ(c->position(), server_.checkpoint().checkpoint_lsn);
  expected_ = ChangedPages();
  const Lsn before_us = server_.lsn();
  TM_ASSERT_OK(c->Advance());  // the log from the checkpoint (the fake server's own writes)
  EXPECT_EQ(c->position(), before_us);
  ChangedPages got = c->TakePages();
  for (int i = 0; i < 24; ++i) {  // 24 x 20 KiB: the 64 KiB log wraps 7 times
    WriteRandom(20 * 1024);
    server_.Checkpoint(Lsn(server_.lsn().value() - 1000));
    const absl::Status s = c->Advance();
    ASSERT_TRUE(s.ok()) << i << ": " << s;
    TM_ASSERT_OK(got.Append(c->TakePages()));
  }
  EXPECT_EQ(c->position(), server_.lsn());
  for (SpaceId s : {SpaceId(1), SpaceId(2), SpaceId(3), SpaceId(4)}) {
    EXPECT_EQ(got.pages(s), expected_.pages(s)) << s.value();
  }
  EXPECT_GT(c->stats().mtrs, 1000u);
}

TEST_F(CollectorTest, WithoutAProbeLogIsReadUpToTheCheckpoint) {
  const Lsn from = server_.checkpoint().end_lsn;
  std::unique_ptr<RedoPageCollector> c = Open(from, {});
  Touch({{SpaceId(6), PageNo(1)}});
  server_.Sync();
  TM_ASSERT_OK(c->Advance());
  EXPECT_EQ(c->position(), from);  // written, but no checkpoint says it is durable
  const Lsn end = server_.lsn();
  server_.Checkpoint(end);
  TM_ASSERT_OK(c->Advance());
  EXPECT_EQ(c->position(), end);  // up to the FILE_CHECKPOINT mtr
  EXPECT_TRUE(c->pages().Contains(SpaceId(6), PageNo(1)));
}

// MDEV-39468: past the durable end, a read can see whole, checksummed mtrs that are not the
// log (here: an mtr touching page 9:777 staged where the server will write other mtrs).
TEST_F(CollectorTest, AStaleTailIsNotTakenForLog) {
  const Lsn end = server_.lsn();
  const std::vector<uint8_t> records =
      MtrBuilder().Write({SpaceId(9), PageNo(777)}, 120, Payload(8, 1)).records();
  const innodb::LogGeometry g =
      *innodb::LogGeometry::Create(server_.header().first_lsn, innodb::kLogStartOffset + kCapacity);
  server_.Patch(end, innodb::EncodeMtr(records, g.SequenceBit(Lsn(end.value() + records.size()))));
  std::unique_ptr<RedoPageCollector> c = Open(end, Probed());
  TM_ASSERT_OK(c->Advance());
  EXPECT_EQ(c->position(), end);
  WriteRandom(3000);  // the genuine log replaces the stale bytes
  TM_ASSERT_OK(c->Advance());
  EXPECT_EQ(c->position(), server_.lsn());
  EXPECT_FALSE(c->pages().Contains(SpaceId(9), PageNo(777)));
  ExpectSameSets(c->pages());
}

TEST_F(CollectorTest, ToLsnStopsAtTheFirstBoundaryAtOrAfterIt) {
  const Lsn from = server_.lsn();
  Touch({{SpaceId(1), PageNo(1)}});
  const Lsn second = Touch({{SpaceId(1), PageNo(2)}});
  const Lsn third = Touch({{SpaceId(1), PageNo(3)}});
  server_.Sync();
  TM_ASSERT_OK_AND_ASSIGN(
      const ChangedPages got,
      CollectChangedPages(fs_, clock_, kLog, from,
                          {.collector = Probed(), .to_lsn = Lsn(second.value() + 3)}));
  EXPECT_EQ(got.to_lsn(), third);
  EXPECT_EQ(got.pages(SpaceId(1)).ToVector(), (std::vector<uint32_t>{1, 2}));
}

// An idle server: the next backup's start checkpoint is its base's LSN. The range is empty.
TEST_F(CollectorTest, AnEmptyRangeIsAnEmptySet) {
  const Lsn from = server_.lsn();
  WriteRandom(3000);  // log after the range is not read
  TM_ASSERT_OK_AND_ASSIGN(
      const ChangedPages got,
      CollectChangedPages(fs_, clock_, kLog, from, {.collector = Probed(), .to_lsn = from}));
  EXPECT_EQ(got, ChangedPages(from, from));
  const Lsn end = server_.lsn();
  TM_ASSERT_OK_AND_ASSIGN(
      const ChangedPages at_end,
      CollectChangedPages(fs_, clock_, kLog, end, {.collector = Probed(), .to_lsn = end}));
  EXPECT_EQ(at_end, ChangedPages(end, end));
  // Without a connection, at the checkpoint (a backup's LSNs are checkpoint LSNs).
  const Lsn c = server_.checkpoint().checkpoint_lsn;
  TM_ASSERT_OK_AND_ASSIGN(const ChangedPages at_checkpoint,
                          CollectChangedPages(fs_, clock_, kLog, c, {.to_lsn = c}));
  EXPECT_EQ(at_checkpoint, ChangedPages(c, c));
}

TEST_F(CollectorTest, RefusesAStartTheLogNoLongerHolds) {
  const Lsn from = server_.lsn();
  for (int i = 0; i < 4; ++i) {
    server_.Write(20 * 1024);
    server_.Checkpoint(server_.lsn());
  }
  const absl::Status s = RedoPageCollector::Open(fs_, clock_, kLog, {.lsn = from}, {}).status();
  EXPECT_EQ(s, absl::FailedPreconditionError(absl::StrFormat(
                   "%sredo log overrun: LSN %d is no longer in the log (the server's checkpoint "
                   "ends at LSN %d, the log holds 65536 bytes): the pages changed there can no "
                   "longer be read",
                   kPrefix, from.value(), server_.checkpoint().end_lsn.value())));
  EXPECT_TRUE(IsRedoOverrun(s));
  const absl::Status probed =
      RedoPageCollector::Open(fs_, clock_, kLog, {.lsn = from}, Probed()).status();
  EXPECT_NE(
      probed.message().find(absl::StrFormat("(the server is at LSN %d,", server_.lsn().value())),
      std::string::npos)
      << probed;
}

TEST_F(CollectorTest, RefusesWhenTheServerOverwritesWhatWasNotReadYet) {
  std::unique_ptr<RedoPageCollector> c = Open(server_.lsn(), Probed());
  WriteRandom(2000);
  TM_ASSERT_OK(c->Advance());
  const Lsn proven = c->position();
  server_.Write(kCapacity + 8192);  // more than a lap behind the collector's back
  const absl::Status s = c->Advance();
  EXPECT_TRUE(IsRedoOverrun(s)) << s;
  EXPECT_TRUE(absl::StartsWith(
      s.message(),
      absl::StrFormat(
          "%sredo log overrun: the server overwrote its log at LSN %d before it was read", kPrefix,
          proven.value())))
      << s;
  EXPECT_EQ(c->position(), proven);
  EXPECT_EQ(c->Advance(), s);  // the first error is final
}

TEST_F(CollectorTest, RefusesAReplacedLog) {
  std::unique_ptr<RedoPageCollector> c = Open(server_.lsn(), Probed());
  innodb::LogHeader h = server_.header();
  h.first_lsn = Lsn(900000);
  innodb::LogImage image = *innodb::LogImage::Create(h, innodb::kLogStartOffset + kCapacity);
  image.SetCheckpoint(innodb::kLogCheckpoint1, {Lsn(900000), Lsn(900000)});
  const std::string bytes(image.file().begin(), image.file().end());
  TM_ASSERT_OK(io::WriteStringToFile(fs_, "/data/new_log", bytes));
  TM_ASSERT_OK(fs_.Rename("/data/new_log", kLog));  // the online resize renames over it
  const absl::Status s = c->Advance();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("was replaced"), std::string::npos) << s;
  // A collector for files read from the old log refuses the new one at once.
  const absl::Status again =
      RedoPageCollector::Open(fs_, clock_, kLog, {.lsn = Lsn(900000), .identity = c->identity()},
                              {})
          .status();
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(again.message().find("the log is not the one the page-set files were read from"),
            std::string::npos)
      << again;
}

// An online resize while following with a connection: the server writes its last mtrs only
// to the new file and renames it over the log; the flushed LSN covers them, the old file
// (still open) never gets them. The durable log does not parse in the old file, which is
// a replaced log, not a corrupt one.
TEST_F(CollectorTest, AResizeBehindADurableEndIsAReplacedLogNotCorruption) {
  std::unique_ptr<RedoPageCollector> c = Open(server_.lsn(), Probed());
  WriteRandom(2000);
  TM_ASSERT_OK(c->Advance());
  const Lsn proven = c->position();
  Touch({{SpaceId(1), PageNo(1)}});  // not synced: only the new file holds it
  Touch({{SpaceId(1), PageNo(2)}});
  server_.set_flushed(server_.lsn());
  innodb::LogHeader h = server_.header();
  h.first_lsn = proven;
  innodb::LogImage image = *innodb::LogImage::Create(h, innodb::kLogStartOffset + 2 * kCapacity);
  image.SetCheckpoint(innodb::kLogCheckpoint1, {proven, proven});
  TM_ASSERT_OK(io::WriteStringToFile(fs_, "/data/new_log",
                                     std::string(image.file().begin(), image.file().end())));
  TM_ASSERT_OK(fs_.Rename("/data/new_log", kLog));
  const absl::Status s = c->Advance();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_TRUE(absl::StartsWith(
      s.message(), absl::StrFormat("%sredo log '/data/ib_logfile0' was replaced", kPrefix)))
      << s;
  EXPECT_FALSE(IsRedoOverrun(s));
  EXPECT_EQ(c->position(), proven);
}

TEST_F(CollectorTest, RefusesAStartBeyondTheEnd) {
  const Lsn beyond(server_.lsn().value() + 5000);
  EXPECT_EQ(RedoPageCollector::Open(fs_, clock_, kLog, {.lsn = beyond}, Probed()).status(),
            absl::FailedPreconditionError(absl::StrFormat(
                "%sLSN %d is beyond the end of the server's log (the server is at LSN %d): it "
                "does not come from this server's log",
                kPrefix, beyond.value(), server_.lsn().value())));
  // Without the server's LSN the log may still become durable there: wait, then give up.
  const absl::Status s = CollectChangedPages(fs_, clock_, kLog, beyond, {}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find(absl::StrFormat("is durable only up to LSN %d, not LSN %d",
                                             server_.checkpoint().end_lsn.value(), beyond.value())),
            std::string::npos)
      << s;
}

TEST_F(CollectorTest, RefusesAStartInsideAnMtr) {
  const Lsn mtr = Touch({{SpaceId(1), PageNo(1)}, {SpaceId(1), PageNo(2)}});
  Touch({{SpaceId(1), PageNo(3)}});
  server_.Sync();
  const absl::Status s =
      CollectChangedPages(fs_, clock_, kLog, Lsn(mtr.value() + 3), {.collector = Probed()})
          .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StartsWith(
      s.message(), absl::StrFormat("%sLSN %d is not the start of a mini-transaction in the log (",
                                   kPrefix, mtr.value() + 3)))
      << s;
}

TEST_F(CollectorTest, RefusesADifferentHistory) {
  const Lsn at = server_.lsn();
  Touch({{SpaceId(1), PageNo(1)}});
  server_.Sync();
  std::unique_ptr<RedoPageCollector> c = Open(at, Probed());
  const LsnAnchor real = c->anchor();
  ASSERT_TRUE(real.has_value());
  const absl::Status s =
      RedoPageCollector::Open(fs_, clock_, kLog, {.lsn = at, .anchor = *real ^ 1}, Probed())
          .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find(absl::StrFormat("the log at LSN %d does not continue the tracked "
                                             "history",
                                             at.value())),
            std::string::npos)
      << s;
  TM_ASSERT_OK(c->Advance());
  EXPECT_NE(c->anchor(), real);  // now the anchor of the mtr just read
}

TEST_F(CollectorTest, RefusesAnEncryptedLog) {
  testing::MemFileSystem fs;
  FakeServer encrypted(fs, innodb::kLogFormatEnc11);
  const absl::Status s = RedoPageCollector::OpenAtCheckpoint(fs, clock_, kLog, {}).status();
  EXPECT_EQ(s, absl::FailedPreconditionError(absl::StrFormat(
                   "%sthe redo log is encrypted (format 0xf09f979d): page ids cannot be read "
                   "without the key, so pages cannot be tracked (innodb_encrypt_log=ON)",
                   kPrefix)));
}

TEST_F(CollectorTest, DurableLogThatDoesNotParseIsDataLoss) {
  const Lsn from = server_.lsn();
  Touch({{SpaceId(1), PageNo(1)}});
  const Lsn bad = Touch({{SpaceId(1), PageNo(2)}});
  Touch({{SpaceId(1), PageNo(3)}});
  server_.Sync();
  std::vector<uint8_t> byte = server_.Bytes(Lsn(bad.value() + 5), 1);
  byte[0] ^= 0x40;
  server_.Patch(Lsn(bad.value() + 5), byte);
  std::unique_ptr<RedoPageCollector> c = Open(from, Probed());
  const absl::Status s = c->Advance();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_TRUE(absl::StartsWith(
      s.message(), absl::StrFormat("%sredo log corrupt at LSN %d: ", kPrefix, bad.value())))
      << s;
  EXPECT_EQ(c->position(), bad);
  EXPECT_EQ(c->pages().pages(SpaceId(1)).ToVector(), (std::vector<uint32_t>{1}));
  EXPECT_EQ(c->stats().rereads, 10u);
}

}  // namespace
}  // namespace tidemark::engine
