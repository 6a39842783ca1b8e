// The zstd stage over libzstd (ZSTD_compress2 per frame, ZSTD_decompressStream).
// A file is a sequence of standard frames with the content checksum on, one per MiB of input,
// as `zstd` itself reads them, so both `zstd -d` and xtrabackup 8's --decompress (which runs
// the same decoder) accept it.
#include "io/zstd_stage.h"

#include <zstd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"
#include "io/stage_file.h"

namespace tidemark::io {
namespace {

constexpr int kMinLevel = 1;
constexpr int kMaxLevel = 19;  // beyond it zstd wants --ultra and much memory
constexpr size_t kFrameInput = size_t{1} << 20;  // input bytes per frame written

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// Compresses in frames of kFrameInput input bytes, each with one ZSTD_compress2 call (about
// 15% faster than the streaming API at level 1 on InnoDB pages, which copies every input byte
// into its window first; the ratio is the same, pages being far smaller than a frame). With
// worker threads, one streamed frame instead: libzstd splits it into jobs itself.
class ZstdWritableFile final : public StageFile {
 public:
  ZstdWritableFile(std::unique_ptr<WritableFile> inner, std::unique_ptr<ZSTD_CCtx, CCtxDeleter> c,
                   bool streaming)
      : StageFile(std::move(inner), "a compressed file is written"),
        cctx_(std::move(c)),
        streaming_(streaming) {}

 private:
  absl::Status Consume(ByteSpan data) override {
    if (streaming_) return Feed(data, ZSTD_e_continue);
    while (!data.empty()) {
      if (block_.empty() && data.size() >= kFrameInput) {  // no copy: straight from `data`
        TM_RETURN_IF_ERROR(CompressFrame(data.first(kFrameInput)));
        data = data.subspan(kFrameInput);
        continue;
      }
      const size_t take = std::min(kFrameInput - block_.size(), data.size());
      block_.insert(block_.end(), data.begin(), data.begin() + take);
      data = data.subspan(take);
      if (block_.size() == kFrameInput) {
        TM_RETURN_IF_ERROR(CompressFrame(block_));
        block_.clear();
      }
    }
    return absl::OkStatus();
  }
  absl::Status Finish() override {
    if (streaming_) return Feed({}, ZSTD_e_end);
    // The rest; a file that received nothing still gets one (empty) frame.
    if (!block_.empty() || frames_ == 0) TM_RETURN_IF_ERROR(CompressFrame(block_));
    block_.clear();
    return absl::OkStatus();
  }

  absl::Status CompressFrame(ByteSpan input) {
    out_.resize(ZSTD_compressBound(input.size()));
    const size_t n = ZSTD_compress2(cctx_.get(), out_.data(), out_.size(), input.data(),
                                    input.size());
    if (ZSTD_isError(n)) {
      return absl::InternalError(absl::StrFormat("compress '%s': %s", path(), ZSTD_getErrorName(n)));
    }
    ++frames_;
    return inner().Append(ByteSpan(out_.data(), n));
  }

  // Compresses `data` and writes whatever output zstd produces; with ZSTD_e_end, until the
  // frame is complete.
  absl::Status Feed(ByteSpan data, ZSTD_EndDirective mode) {
    out_.resize(ZSTD_CStreamOutSize());
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    for (;;) {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      const size_t left = ZSTD_compressStream2(cctx_.get(), &out, &in, mode);
      if (ZSTD_isError(left)) {
        return absl::InternalError(
            absl::StrFormat("compress '%s': %s", path(), ZSTD_getErrorName(left)));
      }
      if (out.pos > 0) TM_RETURN_IF_ERROR(inner().Append(ByteSpan(out_.data(), out.pos)));
      const bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
      if (done) return absl::OkStatus();
    }
  }

  std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx_;
  const bool streaming_;
  std::vector<uint8_t> block_;  // input of the frame being filled
  std::vector<uint8_t> out_;
  uint64_t frames_ = 0;
};

// Decompresses what is written to it (a .zst file, front to back) into `inner`.
class UnzstdWritableFile final : public StageFile {
 public:
  UnzstdWritableFile(std::unique_ptr<WritableFile> inner, std::unique_ptr<ZSTD_DCtx, DCtxDeleter> d,
                     std::string name)
      : StageFile(std::move(inner), "a compressed file is decompressed"),
        dctx_(std::move(d)),
        name_(std::move(name)),
        out_(ZSTD_DStreamOutSize()) {}

 private:
  // As DecompressZstd's loop: also call again while the output came back full mid-frame.
  absl::Status Consume(ByteSpan data) override {
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    bool output_full = false;
    while (in.pos < in.size || (output_full && hint_ != 0)) {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      hint_ = ZSTD_decompressStream(dctx_.get(), &out, &in);
      if (ZSTD_isError(hint_)) {
        return absl::DataLossError(absl::StrFormat("decompress '%s' at %d: %s", name_,
                                                   consumed() + in.pos, ZSTD_getErrorName(hint_)));
      }
      output_full = out.pos == out.size;
      if (out.pos > 0) TM_RETURN_IF_ERROR(inner().Append(ByteSpan(out_.data(), out.pos)));
    }
    return absl::OkStatus();
  }
  absl::Status Finish() override {
    if (consumed() == 0) {
      return absl::DataLossError(absl::StrFormat("decompress '%s': empty file, no zstd frame", name_));
    }
    if (hint_ != 0) {
      return absl::DataLossError(absl::StrFormat(
          "decompress '%s': truncated: the last frame is incomplete at the end of the file (%d "
          "bytes)",
          name_, consumed()));
    }
    return absl::OkStatus();
  }

  std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx_;
  const std::string name_;
  std::vector<uint8_t> out_;
  size_t hint_ = 1;
};

}  // namespace

std::unique_ptr<WritableFile> NewUnzstdWritableFile(std::unique_ptr<WritableFile> inner,
                                                    std::string name) {
  if (name.empty()) name = inner->path() + std::string(kZstdSuffix);
  std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
  return std::make_unique<UnzstdWritableFile>(std::move(inner), std::move(dctx), std::move(name));
}

absl::StatusOr<std::unique_ptr<WritableFile>> NewZstdWritableFile(
    std::unique_ptr<WritableFile> inner, const ZstdOptions& options) {
  if (options.level < kMinLevel || options.level > kMaxLevel) {
    return absl::InvalidArgumentError(
        absl::StrFormat("compress '%s': zstd level %d is out of range (%d..%d)", inner->path(),
                        options.level, kMinLevel, kMaxLevel));
  }
  std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx(ZSTD_createCCtx());
  if (cctx == nullptr) return absl::ResourceExhaustedError("zstd: out of memory");
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, options.level);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  if (options.workers > 0) {
    const size_t r = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_nbWorkers, options.workers);
    if (ZSTD_isError(r)) {
      return absl::InvalidArgumentError(absl::StrFormat("compress '%s': %d zstd workers: libzstd says: %s",
                                                        inner->path(), options.workers,
                                                        ZSTD_getErrorName(r)));
    }
  }
  return std::make_unique<ZstdWritableFile>(std::move(inner), std::move(cctx),
                                            /*streaming=*/options.workers > 0);
}

absl::Status DecompressZstd(RandomAccessFile& in, const ByteSink& sink) {
  std::unique_ptr<WritableFile> out =
      NewUnzstdWritableFile(NewSinkWritableFile(in.path(), sink), in.path());
  return PushFile(in, *out);
}

}  // namespace tidemark::io
