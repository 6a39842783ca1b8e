// Tests of the backup's redo copier's rounds on MemFileSystem + FakeClock, against a fake
// server (redo_fake_server.h): the copy from C0 is byte for byte the expected linear log,
// survives wrap-around and torn tails, reports DDL records, tells corruption from an overrun
// (proven by the LSN probe or by the checkpoint), and fails on a full target disk and a
// replaced log. The background thread is tested in redo_copier_background_test.cc.
#include "engine/redo_copier.h"

#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "innodb/base/status.h"
#include "innodb/redo/backup_log.h"
#include "innodb/redo/log_writer.h"
#include "tests/engine/redo_fake_server.h"
#include "tests/support/fault_injection_file_system.h"

namespace tidemark::engine {
namespace {

using innodb::LogImage;
using innodb::MtrBuilder;
using redo_test::FakeServer;
using redo_test::FileBytes;
using redo_test::kCapacity;
using redo_test::kCopy;
using redo_test::kLog;
using redo_test::Payload;
using redo_test::ReadBack;
using redo_test::RedoCopierTest;
using testing::FakeClock;
using testing::MemFileSystem;

TEST_F(RedoCopierTest, OpenWritesTheBackupHead) {
  std::unique_ptr<RedoCopier> c = Open();
  const innodb::LogCheckpoint cp = server_.checkpoint();
  EXPECT_EQ(c->start_lsn(), cp.checkpoint_lsn);
  EXPECT_EQ(c->capacity(), kCapacity);
  EXPECT_EQ(Copy(), innodb::BuildBackupLogHead(server_.header(), cp, "10.11.19"));
  EXPECT_EQ(c->Progress().copied_lsn, cp.checkpoint_lsn);
}

TEST_F(RedoCopierTest, CopiesFromTheCheckpointLsnNotItsEnd) {
  const Lsn c0 = server_.Write(2000);  // the checkpoint covers log written before it
  server_.Checkpoint(c0);
  std::unique_ptr<RedoCopier> c = Open();
  server_.Write(5000);
  ASSERT_TRUE(c->CopyAvailable().ok());
  EXPECT_EQ(c->copied_lsn(), server_.lsn());
  EXPECT_EQ(Copy(), server_.Expected(server_.lsn()));
  const RedoCopyProgress p = c->Progress();
  EXPECT_EQ(p.bytes_copied, server_.lsn().value() - c0.value());
  EXPECT_GT(p.mtrs_copied, 30u);
  EXPECT_EQ(p.frontier, "end_marker");
  EXPECT_EQ(p.rereads, 0u);
}

TEST_F(RedoCopierTest, StopLeavesAFileThatReadsBackToLastLsn) {
  std::unique_ptr<RedoCopier> c = Open();
  server_.Write(9000);
  ASSERT_TRUE(c->CopyAvailable().ok());
  absl::StatusOr<Lsn> last = c->Stop();
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(*last, server_.lsn());
  const std::vector<uint8_t> copy = Copy();
  EXPECT_EQ(copy.size(), innodb::BackupLogFileSize(c->start_lsn(), *last));
  EXPECT_EQ(ReadBack(copy, c->start_lsn()), *last);
  EXPECT_EQ(c->Stop().value(), *last);  // Stop is final
  EXPECT_EQ(c->CopyAvailable(), absl::FailedPreconditionError("redo copier: stopped"));
}

TEST_F(RedoCopierTest, FollowsTheLogAcrossManyWraps) {
  std::unique_ptr<RedoCopier> c = Open();
  for (int i = 0; i < 24; ++i) {  // 24 x 20 KiB: the 64 KiB log wraps 7 times
    server_.Write(20 * 1024);
    server_.Checkpoint(Lsn(server_.lsn().value() - 1000));
    ASSERT_TRUE(c->CopyAvailable().ok()) << i;
  }
  EXPECT_EQ(c->copied_lsn(), server_.lsn());
  EXPECT_EQ(Copy(), server_.Expected(server_.lsn()));
  EXPECT_EQ(ReadBack(Copy(), c->start_lsn()), server_.lsn());
  EXPECT_GT(c->Progress().max_lag_fraction, 0.31);  // 20 KiB of 64 KiB before each round
  EXPECT_LT(c->Progress().max_lag_fraction, 0.33);
}

TEST_F(RedoCopierTest, ReadsGrowPastMtrsLongerThanTheFirstRead) {
  options_.min_read_bytes = 1024;
  std::unique_ptr<RedoCopier> c = Open();
  server_.Append(MtrBuilder().Write({SpaceId(9), PageNo(2)}, 120, Payload(5000, 2)));
  server_.Write(12000);  // more than the first reads, in several steps
  ASSERT_TRUE(c->CopyAvailable().ok());
  EXPECT_EQ(c->copied_lsn(), server_.lsn());
  EXPECT_EQ(Copy(), server_.Expected(server_.lsn()));
  EXPECT_EQ(c->Progress().rereads, 0u);
}

TEST_F(RedoCopierTest, ReadsNeverExceedTheCapacity) {
  options_.min_read_bytes = options_.max_read_bytes = size_t{2} << 20;  // 32 x the log
  std::unique_ptr<RedoCopier> c = Open();
  for (int i = 0; i < 3; ++i) {
    server_.Write(50000);
    ASSERT_TRUE(c->CopyAvailable().ok());
  }
  EXPECT_EQ(Copy(), server_.Expected(server_.lsn()));
}

TEST_F(RedoCopierTest, TornTailIsReReadUntilComplete) {
  std::unique_ptr<RedoCopier> c = Open();
  const Lsn start =
      server_.Append(MtrBuilder().Write({SpaceId(9), PageNo(1)}, 120, Payload(900, 1)));
  const Lsn half(start.value() + 500);
  const std::vector<uint8_t> genuine = server_.Bytes(half, 400);
  server_.Patch(half, std::vector<uint8_t>(400, 0x5A));  // the block is being written
  int sleeps = 0;
  clock_.SetSleepHook([&](absl::Duration) {
    if (++sleeps == 3) server_.Patch(half, genuine);  // the write completes
  });
  ASSERT_TRUE(c->CopyAvailable().ok());
  EXPECT_EQ(c->copied_lsn(), server_.lsn());
  EXPECT_EQ(c->Progress().rereads, 3u);
  EXPECT_EQ(clock_.slept(), absl::Milliseconds(3));
  EXPECT_EQ(Copy(), server_.Expected(server_.lsn()));
}

// Bytes after the end of the log that walk to an end marker with the right sequence bit
// and a wrong CRC, as stale data from an earlier pass can.
const std::vector<uint8_t> kStaleTail = {0x32, 0xAA, 0xBB, 0x01, 0xDE, 0xAD, 0xBE, 0xEF};

TEST_F(RedoCopierTest, StaleTailIsNotReReadWhenTheServerHasNoMoreLog) {
  std::unique_ptr<RedoCopier> c = Open();
  const Lsn end = server_.lsn();
  server_.Patch(end, kStaleTail);
  ASSERT_TRUE(c->CopyAvailable().ok());
  EXPECT_EQ(c->copied_lsn(), end);
  EXPECT_EQ(c->Progress().frontier, "bad_checksum");
  EXPECT_EQ(c->Progress().rereads, 0u);
}

TEST_F(RedoCopierTest, LogBeyondTheFlushedLsnWaitsUntilItIsDurable) {
  std::unique_ptr<RedoCopier> c = Open();
  const Lsn flushed = server_.Write(3000);
  server_.set_flushed(flushed);  // written, but the server has not reported it durable
  ASSERT_TRUE(c->CopyAvailable().ok());
  EXPECT_EQ(c->copied_lsn(), flushed);
  EXPECT_EQ(c->Progress().durable_lsn, flushed);
  EXPECT_EQ(c->Progress().frontier, "ok");  // stopped at the fence, not at a bad mtr
  server_.set_flushed(std::nullopt);
  ASSERT_TRUE(c->CopyAvailable().ok());
  EXPECT_EQ(Copy(), server_.Expected(server_.lsn()));
}

// MDEV-39468: the block the server is rewriting can be read torn or stale, and its bytes
// past the end of the log can be earlier mtrs of the same pass, checksums and sequence bits
// intact (here: a copy of mtrs written just before). None of it is durable log.
TEST_F(RedoCopierTest, WholeMtrsPastTheDurableLogAreNotTakenForLog) {
  std::unique_ptr<RedoCopier> c = Open();
  const Lsn stale = server_.Write(2000);
  const Lsn end = server_.lsn();
  server_.Patch(end, server_.Bytes(stale, end.value() - stale.value()));
  ASSERT_TRUE(c->CopyAvailable().ok());
  EXPECT_EQ(c->copied_lsn(), end);
  server_.Write(5000);  // the genuine log replaces the stale bytes
  ASSERT_TRUE(c->CopyAvailable().ok());
  EXPECT_EQ(Copy(), server_.Expected(server_.lsn()));
  EXPECT_EQ(ReadBack(Copy(), c->start_lsn()), server_.lsn());
}

TEST_F(RedoCopierTest, WithoutAProbeTheCheckpointAndWaitForTargetsAreTheDurableLog) {
  options_.server_log = nullptr;
  std::unique_ptr<RedoCopier> c = Open();
  server_.Write(3000);
  server_.Checkpoint(server_.lsn());
  server_.Write(3000);
  ASSERT_TRUE(c->CopyAvailable().ok());  // the checkpoint read after the data moves the fence
  EXPECT_EQ(c->copied_lsn(), server_.checkpoint().end_lsn);  // its FILE_CHECKPOINT mtr
  server_.Write(2000);
  ASSERT_TRUE(c->WaitFor(server_.lsn(), absl::Seconds(1)).ok());  // durable, says the caller
  EXPECT_EQ(Copy(), server_.Expected(server_.lsn()));
}

TEST_F(RedoCopierTest, DdlRecordsReachTheObserverInLogOrder) {
  std::unique_ptr<RedoCopier> c = Open();
  const SpaceId s(5);
  const Lsn a = server_.Append(MtrBuilder().FileCreate(s, "./test/a.ibd").InitPage({s, PageNo(0)}));
  const Lsn b = server_.Append(MtrBuilder().FileRename(s, "./test/a.ibd", "./test/b.ibd"));
  const Lsn t = server_.Append(
      MtrBuilder().Extended({SpaceId(2), PageNo(640)}, innodb::ExtendedType::kTrimPages));
  const Lsn d = server_.Append(MtrBuilder().FileDelete(s, "./test/b.ibd"));
  server_.Sync();
  ASSERT_TRUE(c->CopyAvailable().ok());
  using K = RedoEventKind;
  const std::vector<RedoEvent> want = {
      {.kind = K::kFileCreate, .mtr_start = a, .mtr_end = b, .space = s, .name = "./test/a.ibd"},
      {.kind = K::kSpaceCreated, .mtr_start = a, .mtr_end = b, .space = s},
      {.kind = K::kFileRename,
       .mtr_start = b,
       .mtr_end = t,
       .space = s,
       .name = "./test/a.ibd",
       .new_name = "./test/b.ibd"},
      {.kind = K::kTrimPages, .mtr_start = t, .mtr_end = d, .space = SpaceId(2), .pages = 640},
      {.kind = K::kFileDelete,
       .mtr_start = d,
       .mtr_end = server_.lsn(),
       .space = s,
       .name = "./test/b.ibd"}};
  EXPECT_EQ(events_, want);
}

std::string OverrunMessage(Lsn copied, std::string_view server) {
  return absl::StrFormat(
      "copy redo log '/data/ib_logfile0': redo log overrun: the server overwrote its log at "
      "LSN %d before it was copied (copied up to LSN %d, server %s, log capacity 65536 "
      "bytes); increase innodb_log_file_size or reduce the write load during the backup",
      copied.value(), copied.value(), server);
}

TEST_F(RedoCopierTest, OverrunIsDetectedByTheProbe) {
  std::unique_ptr<RedoCopier> c = Open();
  const Lsn copied = c->copied_lsn();
  server_.Write(kCapacity + 3000);  // one lap and a bit: the start of the lap is gone
  const absl::Status s = c->CopyAvailable();
  EXPECT_EQ(s, absl::FailedPreconditionError(
                   OverrunMessage(copied, absl::StrFormat("at LSN %d", server_.lsn().value()))));
  EXPECT_TRUE(IsRedoOverrun(s));
  EXPECT_TRUE(IsRedoOverrun(Annotate(s, "backup")));
  EXPECT_EQ(c->CopyAvailable(), s);  // the first error is final
  EXPECT_EQ(c->Stop().status(), s);
  EXPECT_EQ(Copy().size(), innodb::kLogStartOffset);
}

TEST_F(RedoCopierTest, WithoutAProbeTheCheckpointProvesATwoLapOverrun) {
  options_.server_log = nullptr;
  std::unique_ptr<RedoCopier> c = Open();
  const Lsn copied = c->copied_lsn();
  server_.Write(2 * kCapacity + 5000);  // the same sequence bit as the lap being copied
  server_.Checkpoint(Lsn(server_.lsn().value() - 2000));
  const absl::Status s = c->CopyAvailable();
  EXPECT_EQ(s, absl::FailedPreconditionError(
                   OverrunMessage(copied, absl::StrFormat("past LSN %d (its checkpoint)",
                                                          server_.checkpoint().end_lsn.value()))));
  EXPECT_EQ(Copy().size(), innodb::kLogStartOffset);  // nothing of a later lap was copied
}

TEST_F(RedoCopierTest, WithoutAProbeAnUnprovenOverrunWaitsForTheNextCheckpoint) {
  options_.server_log = nullptr;
  std::unique_ptr<RedoCopier> c = Open();
  const Lsn copied = c->copied_lsn();
  server_.Write(kCapacity * 8 / 10);
  server_.Checkpoint(Lsn(server_.lsn().value() - 100));
  server_.Write(kCapacity * 3 / 10);     // overwrites the start of the lap being copied
  ASSERT_TRUE(c->CopyAvailable().ok());  // stuck, but corruption is not ruled out yet
  EXPECT_EQ(c->copied_lsn(), copied);
  EXPECT_EQ(c->Progress().rereads, 10u);
  server_.Checkpoint(server_.lsn());
  EXPECT_TRUE(IsRedoOverrun(c->CopyAvailable()));
}

TEST_F(RedoCopierTest, LogNotYetWrittenIsNoOverrun) {
  Lsn buffered;  // the server's LSN counts log still in its buffer
  options_.server_log = [&]() -> absl::StatusOr<ServerLogPosition> {
    return ServerLogPosition{buffered, server_.lsn()};
  };
  std::unique_ptr<RedoCopier> c = Open();
  server_.Write(kCapacity * 7 / 10);
  buffered = Lsn(c->copied_lsn().value() + kCapacity);
  ASSERT_TRUE(c->CopyAvailable().ok());  // a capacity ahead of the copy, not of the file
  EXPECT_EQ(c->copied_lsn(), server_.lsn());
  EXPECT_EQ(c->Progress().lag_bytes, kCapacity);
  buffered = Lsn(server_.lsn().value() + kCapacity - kRedoOverrunMargin + 1);
  EXPECT_TRUE(IsRedoOverrun(c->CopyAvailable()));  // the frontier's block is being reused
}

TEST_F(RedoCopierTest, CorruptDurableMtrIsDataLoss) {
  std::unique_ptr<RedoCopier> c = Open();
  server_.Write(1000);
  const Lsn bad = server_.Write(1000);
  server_.Checkpoint(server_.lsn());
  const Lsn flip(bad.value() + 60);  // a payload byte: the CRC no longer matches
  server_.Patch(flip, std::vector<uint8_t>{static_cast<uint8_t>(server_.Bytes(flip, 1)[0] ^ 0xFF)});
  const std::vector<uint8_t> file = FileBytes(fs_, kLog);
  const innodb::LogGeometry g = *innodb::LogGeometry::Create(Lsn(12288), file.size());
  std::vector<uint8_t> scratch;
  const innodb::MtrResult r =
      innodb::ReadMtr(innodb::LogView::OfFile(file, g, bad, Lsn(bad.value() + 1000)), {g}, scratch);
  ASSERT_EQ(r.verdict, innodb::MtrVerdict::kBadChecksum);
  EXPECT_EQ(c->CopyAvailable(),
            absl::DataLossError(absl::StrFormat(
                "copy redo log '/data/ib_logfile0': redo log corrupt at LSN %d: %s (the "
                "server's log is durable up to LSN %d; 10 re-reads)",
                bad.value(), r.detail, server_.lsn().value())));
  EXPECT_EQ(Copy(), server_.Expected(bad));  // everything before the bad mtr was copied
}

TEST_F(RedoCopierTest, FullTargetDiskIsResourceExhausted) {
  testing::FaultInjectionFileSystem faulty(fs_);
  target_ = *faulty.OpenForWrite(kCopy);
  faulty.FailWritesAfter(innodb::kLogStartOffset + 100);
  std::unique_ptr<RedoCopier> c = Open();
  server_.Write(3000);
  EXPECT_EQ(c->CopyAvailable(),
            absl::ResourceExhaustedError("copy redo log '/data/ib_logfile0': write "
                                         "'/backup/ib_logfile0' at 12388: No space left on "
                                         "device"));
  EXPECT_EQ(c->copied_lsn(), c->start_lsn());
}

TEST_F(RedoCopierTest, ReplacedLogIsFailedPrecondition) {
  std::unique_ptr<RedoCopier> c = Open();
  server_.Write(3000);
  ASSERT_TRUE(c->CopyAvailable().ok());
  innodb::LogHeader h;  // SET GLOBAL innodb_log_file_size: a new file from the current LSN
  h.first_lsn = server_.lsn();
  LogImage resized = *LogImage::Create(h, innodb::kLogStartOffset + 2 * kCapacity);
  resized.SetCheckpoint(innodb::kLogCheckpoint1, {h.first_lsn, h.first_lsn});
  const std::string bytes(resized.file().begin(), resized.file().end());
  ASSERT_TRUE(io::WriteStringToFile(fs_, "/data/ib_logfile101", bytes).ok());
  ASSERT_TRUE(fs_.Rename("/data/ib_logfile101", kLog).ok());
  EXPECT_EQ(c->CopyAvailable(),
            absl::FailedPreconditionError(absl::StrFormat(
                "copy redo log '/data/ib_logfile0': redo log '/data/ib_logfile0' was replaced "
                "while it was being copied (first_lsn 12288, 77824 bytes at open; now "
                "first_lsn %d, 143360 bytes): the log was resized (SET GLOBAL "
                "innodb_log_file_size) or recreated; start the backup again",
                h.first_lsn.value())));
}

TEST(RedoCopierEncryptedTest, CopiesAnEncryptedLogWithoutItsKey) {
  MemFileSystem fs;
  FakeClock clock;
  FakeServer server(fs, innodb::kLogFormatEnc11);
  server.set_checkpoint0(server.checkpoint());
  ASSERT_TRUE(fs.CreateDir("/backup").ok());
  std::unique_ptr<io::WritableFile> target = *fs.OpenForWrite(kCopy);
  std::vector<RedoEvent> events;
  absl::StatusOr<std::unique_ptr<RedoCopier>> c =
      RedoCopier::Open(fs, kLog, *target, clock,
                       {.backup_version = "10.11.19",
                        .server_log = server.Probe(),
                        .on_event = [&](const RedoEvent& e) { events.push_back(e); }});
  ASSERT_TRUE(c.ok()) << c.status();
  const Lsn a = server.Append(MtrBuilder().FileCreate(SpaceId(7), "./test/secret.ibd"));
  const Lsn next = server.Write(2000);
  ASSERT_TRUE((*c)->CopyAvailable().ok());
  EXPECT_EQ(FileBytes(fs, kCopy), server.Expected(server.lsn()));
  ASSERT_EQ(events.size(), 1u);  // only the kind of record is clear
  EXPECT_EQ(events[0], (RedoEvent{.kind = RedoEventKind::kFileCreate,
                                  .mtr_start = a,
                                  .mtr_end = next,
                                  .names_known = false}));
}

TEST_F(RedoCopierTest, OptionsAreChecked) {
  options_.backup_version = "";
  EXPECT_EQ(RedoCopier::Open(fs_, kLog, *target_, clock_, options_).status(),
            absl::InvalidArgumentError("redo copier: backup_version is required"));
  options_.backup_version = "10.11.19";
  options_.frontier_rereads = 0;
  EXPECT_EQ(RedoCopier::Open(fs_, kLog, *target_, clock_, options_).status(),
            absl::InvalidArgumentError("redo copier: frontier_rereads must be at least 1"));
  options_.frontier_rereads = 1;
  options_.min_read_bytes = 8 << 20;
  EXPECT_EQ(RedoCopier::Open(fs_, kLog, *target_, clock_, options_).status(),
            absl::InvalidArgumentError(
                "redo copier: min_read_bytes 8388608 must be in [1, max_read_bytes 4194304]"));
}

}  // namespace
}  // namespace tidemark::engine
