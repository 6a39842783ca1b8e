// Tests of the per-page redo store: merging of one mtr's records, INIT_PAGE/FREE_PAGE
// discarding, TRIM_PAGES, the byte accounting, and record decoding.
#include "innodb/apply/page_log_store.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tidemark::innodb {
namespace {

constexpr uint8_t kWrite = 0x30, kInit = 0x10, kFree = 0x00, kSameWrite = 0xB0;

RedoPageId Pid(uint32_t s, uint32_t p) { return {SpaceId(s), PageNo(p)}; }
std::vector<uint8_t> B(std::string_view s) { return {s.begin(), s.end()}; }

TEST(PageLogStoreTest, MergesConsecutiveRecordsOfOneMtr) {
  PageLogStore store;
  const auto a = B("\x64" "abc"), b = B("\x01" "z");
  store.Add(Pid(5, 3), Lsn(100), Lsn(150), kWrite, a);
  store.Add(Pid(5, 3), Lsn(100), Lsn(150), kSameWrite, b);
  store.Add(Pid(5, 3), Lsn(150), Lsn(170), kWrite, a);
  const PageLog& log = store.pages().at(Pid(5, 3));
  ASSERT_EQ(log.entries.size(), 2u);
  EXPECT_EQ(log.entries[0].records, 2u);
  EXPECT_EQ(log.entries[1].start_lsn, Lsn(150));
  const std::vector<PageRecordRef> recs = store.Records(log.entries[0]);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].type_byte, kSameWrite);
  EXPECT_EQ(std::vector<uint8_t>(recs[1].payload.begin(), recs[1].payload.end()), b);
  EXPECT_FALSE(log.init);
}

TEST(PageLogStoreTest, OtherPageInBetweenStartsANewEntry) {
  PageLogStore store;
  const auto a = B("\x64" "abc");
  store.Add(Pid(5, 3), Lsn(100), Lsn(150), kWrite, a);
  store.Add(Pid(5, 4), Lsn(100), Lsn(150), kWrite, a);
  store.Add(Pid(5, 3), Lsn(100), Lsn(150), kWrite, a);
  EXPECT_EQ(store.pages().at(Pid(5, 3)).entries.size(), 2u);
}

TEST(PageLogStoreTest, InitPageDiscardsEarlierEntriesAndSkipsTheRead) {
  PageLogStore store;
  store.Add(Pid(5, 3), Lsn(100), Lsn(150), kWrite, B("\x64" "abc"));
  store.Add(Pid(5, 3), Lsn(150), Lsn(170), kInit, {});
  store.Add(Pid(5, 3), Lsn(150), Lsn(170), kSameWrite, B("\x01" "z"));
  const PageLog& log = store.pages().at(Pid(5, 3));
  ASSERT_EQ(log.entries.size(), 1u);
  EXPECT_TRUE(log.init);
  EXPECT_EQ(log.entries[0].records, 2u);
}

TEST(PageLogStoreTest, FreePageForgetsThePage) {
  PageLogStore store;
  store.Add(Pid(5, 3), Lsn(100), Lsn(150), kWrite, B("\x64" "abc"));
  store.Add(Pid(5, 3), Lsn(150), Lsn(170), kFree, {});
  EXPECT_TRUE(store.empty());
  store.Add(Pid(5, 3), Lsn(170), Lsn(190), kInit, {});
  EXPECT_TRUE(store.pages().at(Pid(5, 3)).init);
}

TEST(PageLogStoreTest, TrimSpaceDropsOlderEntriesOfThatSpaceOnly) {
  PageLogStore store;
  store.Add(Pid(2, 3), Lsn(100), Lsn(150), kWrite, B("\x64" "a"));
  store.Add(Pid(2, 3), Lsn(200), Lsn(250), kInit, {});
  store.Add(Pid(2, 4), Lsn(100), Lsn(150), kWrite, B("\x64" "a"));
  store.Add(Pid(3, 4), Lsn(100), Lsn(150), kWrite, B("\x64" "a"));
  store.TrimSpace(SpaceId(2), Lsn(180));
  EXPECT_EQ(store.page_count(), 2u);
  EXPECT_TRUE(store.pages().at(Pid(2, 3)).init);
  EXPECT_EQ(store.pages().at(Pid(2, 3)).entries.size(), 1u);
  EXPECT_TRUE(store.pages().contains(Pid(3, 4)));
}

TEST(PageLogStoreTest, AccountsBytesAndClears) {
  PageLogStore store;
  EXPECT_EQ(store.bytes(), 0u);
  store.Add(Pid(5, 3), Lsn(100), Lsn(150), kWrite, B("\x64" "abc"));
  EXPECT_GE(store.bytes(), (size_t{1} << 20) + PageLogStore::kPageOverhead);
  store.Clear();
  EXPECT_EQ(store.bytes(), 0u);
  EXPECT_TRUE(store.empty());
}

TEST(PageLogStoreTest, FullChunkSplitsAnMtrIntoEntriesWithTheSameLsns) {
  PageLogStore store;
  const std::vector<uint8_t> big(600 << 10, 7);
  store.Add(Pid(5, 3), Lsn(100), Lsn(150), kWrite, big);
  store.Add(Pid(5, 3), Lsn(100), Lsn(150), kSameWrite, big);
  const PageLog& log = store.pages().at(Pid(5, 3));
  ASSERT_EQ(log.entries.size(), 2u);
  EXPECT_EQ(log.entries[1].start_lsn, log.entries[0].start_lsn);
  EXPECT_EQ(store.Records(log.entries[1])[0].payload.size(), big.size());
}

}  // namespace
}  // namespace tidemark::innodb
