// The encryption stage: AES-256-GCM over OpenSSL 3's EVP interface, in fixed-size chunks
// whose nonce and additional data bind them to their file, their index and their being last.
// The layout is docs/encryption.md; this file is its only writer and reader.
#include "io/crypt_stage.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <xxhash.h>

#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"

namespace tidemark::io {
namespace {

// Header fields (docs/encryption.md "Header"), big-endian.
constexpr std::array<uint8_t, 8> kMagic = {'t', 'm', 'e', 'n', 'c', 0, '\r', '\n'};
constexpr uint16_t kVersion = 1;
constexpr uint16_t kCipherAes256Gcm = 1;
constexpr size_t kOffVersion = 8;
constexpr size_t kOffCipher = 10;
constexpr size_t kOffChunkSize = 12;
constexpr size_t kOffNoncePrefix = 16;
constexpr size_t kOffFileIdLen = 24;
constexpr size_t kOffFileId = 26;
constexpr size_t kMaxFileIdLen = 4096;
constexpr size_t kNonceSize = 12;
// Chunk indexes are 32 bits in the nonce; the last value is the key check's.
constexpr uint32_t kKeyCheckIndex = 0xFFFFFFFF;
constexpr uint64_t kMaxChunks = kKeyCheckIndex;

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

size_t HeaderSize(size_t file_id_len) { return kOffFileId + file_id_len + 8 + kCryptTagSize; }

std::array<uint8_t, kNonceSize> Nonce(const std::array<uint8_t, 8>& prefix, uint32_t index) {
  std::array<uint8_t, kNonceSize> nonce{};
  std::memcpy(nonce.data(), prefix.data(), prefix.size());
  WriteBe32(MutableByteSpan(nonce), 8, index);
  return nonce;
}

// The additional data of chunk `index`: the key check (which authenticates the whole header,
// so the chunk is bound to this file's header), the index and whether it is the last chunk.
std::array<uint8_t, kCryptTagSize + 5> ChunkAad(const std::array<uint8_t, kCryptTagSize>& check,
                                                uint32_t index, bool final) {
  std::array<uint8_t, kCryptTagSize + 5> aad{};
  std::memcpy(aad.data(), check.data(), check.size());
  WriteBe32(MutableByteSpan(aad), kCryptTagSize, index);
  aad[kCryptTagSize + 4] = final ? 1 : 0;
  return aad;
}

// AES-256-GCM of `plain` into `out` (same size) and `tag`. `ctx` keeps the key between calls.
bool Seal(EVP_CIPHER_CTX* ctx, const CryptKey* key, ByteSpan nonce, ByteSpan aad, ByteSpan plain,
          uint8_t* out, uint8_t* tag) {
  int len = 0;
  if (EVP_EncryptInit_ex(ctx, key ? EVP_aes_256_gcm() : nullptr, nullptr,
                         key ? key->bytes.data() : nullptr, nonce.data()) != 1) {
    return false;
  }
  if (EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  if (!plain.empty() &&
      EVP_EncryptUpdate(ctx, out, &len, plain.data(), static_cast<int>(plain.size())) != 1) {
    return false;
  }
  if (EVP_EncryptFinal_ex(ctx, out + plain.size(), &len) != 1) return false;
  return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kCryptTagSize, tag) == 1;
}

// The inverse of Seal; false when the tag does not authenticate (or OpenSSL fails).
bool Unseal(EVP_CIPHER_CTX* ctx, const CryptKey& key, ByteSpan nonce, ByteSpan aad, ByteSpan cipher,
            ByteSpan tag, uint8_t* out) {
  int len = 0;
  if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.bytes.data(), nonce.data()) != 1) {
    return false;
  }
  if (EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  if (!cipher.empty() &&
      EVP_DecryptUpdate(ctx, out, &len, cipher.data(), static_cast<int>(cipher.size())) != 1) {
    return false;
  }
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kCryptTagSize,
                          const_cast<uint8_t*>(tag.data())) != 1) {
    return false;
  }
  return EVP_DecryptFinal_ex(ctx, out + cipher.size(), &len) == 1;
}

// The key check: the GCM tag of no plaintext under nonce prefix || FFFFFFFF, with the header
// up to and including its checksum as additional data.
bool KeyCheck(const CryptKey& key, const std::array<uint8_t, 8>& prefix, ByteSpan header,
              uint8_t* tag) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return false;
  const auto nonce = Nonce(prefix, kKeyCheckIndex);
  uint8_t none = 0;
  return Seal(ctx.get(), &key, nonce, header, {}, &none, tag);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class CryptWritableFile final : public WritableFile {
 public:
  CryptWritableFile(std::unique_ptr<WritableFile> inner, CipherCtx ctx, uint32_t chunk_size,
                    std::array<uint8_t, 8> prefix, std::array<uint8_t, kCryptTagSize> check)
      : inner_(std::move(inner)),
        ctx_(std::move(ctx)),
        chunk_size_(chunk_size),
        prefix_(prefix),
        check_(check),
        out_(chunk_size + kCryptTagSize) {
    pending_.reserve(chunk_size);
  }

  const std::string& path() const override { return inner_->path(); }

  absl::Status Append(ByteSpan data) override {
    if (closed_) return inner_->Append(data);
    if (!first_error_.ok()) return first_error_;
    while (!data.empty()) {
      const size_t take = std::min(data.size(), chunk_size_ - pending_.size());
      pending_.insert(pending_.end(), data.begin(), data.begin() + take);
      data = data.subspan(take);
      consumed_ += take;
      // A full chunk is written only once more bytes arrive: the last chunk, even a full one,
      // must carry the final flag, which only Close knows.
      if (!data.empty() && pending_.size() == chunk_size_) TM_RETURN_IF_ERROR(Flush(false));
    }
    return absl::OkStatus();
  }
  absl::Status WriteAt(uint64_t offset, ByteSpan data) override {
    if (!closed_ && offset != consumed_) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "write '%s' at %d: an encrypted file is written sequentially (next offset %d)", path(),
          offset, consumed_));
    }
    return Append(data);
  }
  absl::Status Truncate(uint64_t size) override {
    if (closed_) return inner_->Truncate(size);
    return absl::InvalidArgumentError(absl::StrFormat(
        "truncate '%s' to %d: an encrypted file is written sequentially", path(), size));
  }
  absl::Status Sync() override { return inner_->Sync(); }
  absl::Status Close() override {
    if (closed_) return inner_->Close();
    absl::Status status = first_error_.ok() ? Flush(true) : first_error_;
    closed_ = true;
    absl::Status close_status = inner_->Close();
    return status.ok() ? close_status : status;
  }

 private:
  absl::Status Flush(bool final) {
    absl::Status s = Write(final);
    if (!s.ok()) first_error_ = s;
    pending_.clear();
    return s;
  }
  absl::Status Write(bool final) {
    if (index_ >= kMaxChunks) {
      return absl::InvalidArgumentError(
          absl::StrFormat("encrypt '%s': too many chunks for one file", path()));
    }
    const auto nonce = Nonce(prefix_, static_cast<uint32_t>(index_));
    const auto aad = ChunkAad(check_, static_cast<uint32_t>(index_), final);
    if (!Seal(ctx_.get(), nullptr, nonce, aad, pending_, out_.data(),
              out_.data() + pending_.size())) {
      return absl::InternalError(
          absl::StrFormat("encrypt '%s' chunk %d: OpenSSL failed", path(), index_));
    }
    ++index_;
    return inner_->Append(ByteSpan(out_.data(), pending_.size() + kCryptTagSize));
  }

  std::unique_ptr<WritableFile> inner_;
  CipherCtx ctx_;
  size_t chunk_size_;
  std::array<uint8_t, 8> prefix_;
  std::array<uint8_t, kCryptTagSize> check_;
  std::vector<uint8_t> pending_;
  std::vector<uint8_t> out_;
  uint64_t index_ = 0;
  uint64_t consumed_ = 0;
  absl::Status first_error_;
  bool closed_ = false;
};

}  // namespace

absl::StatusOr<CryptKey> ParseCryptKey(std::string_view contents, std::string_view source) {
  std::string_view s = contents;
  if (s.size() == kCryptKeySize + 1 && s.back() == '\n') s.remove_suffix(1);
  if (s.size() == kCryptKeySize + 2 && s.substr(s.size() - 2) == "\r\n") s.remove_suffix(2);
  CryptKey key;
  if (s.size() == kCryptKeySize) {
    std::memcpy(key.bytes.data(), s.data(), kCryptKeySize);
    return key;
  }
  if (s.size() > 2 * kCryptKeySize && s.back() == '\n') s.remove_suffix(1);
  if (s.size() > 2 * kCryptKeySize && s.back() == '\r') s.remove_suffix(1);
  bool hex = s.size() == 2 * kCryptKeySize;
  for (size_t i = 0; hex && i < kCryptKeySize; ++i) {
    const int hi = HexValue(s[2 * i]), lo = HexValue(s[2 * i + 1]);
    hex = hi >= 0 && lo >= 0;
    key.bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  if (hex) return key;
  return absl::InvalidArgumentError(absl::StrFormat(
      "key %s: expected 32 raw bytes or 64 hex digits, got %d bytes", source, contents.size()));
}

absl::StatusOr<CryptKey> ReadCryptKeyFile(FileSystem& fs, std::string_view path) {
  TM_ASSIGN_OR_RETURN(std::string contents, ReadFileToString(fs, path));
  return ParseCryptKey(contents, absl::StrFormat("file '%s'", path));
}

absl::StatusOr<std::unique_ptr<WritableFile>> NewCryptWritableFile(
    std::unique_ptr<WritableFile> inner, const CryptKey& key, const CryptOptions& options) {
  if (options.chunk_size < kMinCryptChunkSize || options.chunk_size > kMaxCryptChunkSize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("encrypt '%s': chunk size %d is out of range (%d..%d)", inner->path(),
                        options.chunk_size, kMinCryptChunkSize, kMaxCryptChunkSize));
  }
  if (options.file_id.size() > kMaxFileIdLen) {
    return absl::InvalidArgumentError(absl::StrFormat("encrypt '%s': file id longer than %d bytes",
                                                      inner->path(), kMaxFileIdLen));
  }
  const std::string& path = inner->path();
  std::array<uint8_t, 8> prefix{};
  if (RAND_bytes(prefix.data(), prefix.size()) != 1) {
    return absl::InternalError(absl::StrFormat("encrypt '%s': no random bytes", path));
  }
  const size_t id_len = options.file_id.size();
  std::vector<uint8_t> header(HeaderSize(id_len));
  MutableByteSpan h(header);
  std::memcpy(header.data(), kMagic.data(), kMagic.size());
  WriteBe16(h, kOffVersion, kVersion);
  WriteBe16(h, kOffCipher, kCipherAes256Gcm);
  WriteBe32(h, kOffChunkSize, options.chunk_size);
  std::memcpy(header.data() + kOffNoncePrefix, prefix.data(), prefix.size());
  WriteBe16(h, kOffFileIdLen, static_cast<uint16_t>(id_len));
  std::memcpy(header.data() + kOffFileId, options.file_id.data(), id_len);
  WriteBe64(h, kOffFileId + id_len, XXH3_64bits(header.data(), kOffFileId + id_len));
  std::array<uint8_t, kCryptTagSize> check{};
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr || !KeyCheck(key, prefix, h.first(kOffFileId + id_len + 8), check.data()) ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(), nullptr) != 1) {
    return absl::InternalError(absl::StrFormat("encrypt '%s': OpenSSL failed", path));
  }
  std::memcpy(header.data() + header.size() - kCryptTagSize, check.data(), check.size());
  TM_RETURN_IF_ERROR(inner->Append(header));
  return std::make_unique<CryptWritableFile>(std::move(inner), std::move(ctx), options.chunk_size,
                                             prefix, check);
}

// ----------------------------------------------------------------------------- CryptReader

CryptReader::CryptReader(RandomAccessFile& in, const CryptKey& key, CryptHeader header,
                         uint64_t size)
    : in_(in), key_(key), header_(std::move(header)), file_size_(size) {}

CryptReader::~CryptReader() { OPENSSL_cleanse(key_.bytes.data(), key_.bytes.size()); }

absl::StatusOr<std::unique_ptr<CryptReader>> CryptReader::Open(RandomAccessFile& in,
                                                               const CryptKey& key) {
  const std::string& path = in.path();
  auto bad = [&](std::string_view why) {
    return absl::DataLossError(absl::StrFormat("decrypt '%s': %s", path, why));
  };
  TM_ASSIGN_OR_RETURN(uint64_t size, in.Size());
  std::vector<uint8_t> fixed(kOffFileId);
  TM_ASSIGN_OR_RETURN(size_t n, in.ReadAt(0, MutableByteSpan(fixed)));
  if (std::memcmp(fixed.data(), kMagic.data(), std::min(n, kMagic.size())) != 0) {
    return bad("not a tidemark encrypted file (bad magic)");
  }
  if (n < fixed.size()) return bad("truncated header");
  ByteSpan f(fixed);
  if (ReadBe16(f, kOffVersion) != kVersion) {
    return bad(absl::StrFormat("unsupported version %d", ReadBe16(f, kOffVersion)));
  }
  const size_t id_len = ReadBe16(f, kOffFileIdLen);
  std::vector<uint8_t> header(HeaderSize(std::min(id_len, kMaxFileIdLen)));
  TM_ASSIGN_OR_RETURN(n, in.ReadAt(0, MutableByteSpan(header)));
  if (n < header.size()) return bad("truncated header");
  ByteSpan h(header);
  const size_t checked = kOffFileId + id_len;
  if (id_len > kMaxFileIdLen || ReadBe64(h, checked) != XXH3_64bits(header.data(), checked)) {
    return bad("damaged header (checksum mismatch)");
  }
  const uint32_t chunk_size = ReadBe32(h, kOffChunkSize);
  if (ReadBe16(h, kOffCipher) != kCipherAes256Gcm || chunk_size < kMinCryptChunkSize ||
      chunk_size > kMaxCryptChunkSize) {
    return bad("unsupported cipher or chunk size");
  }
  CryptHeader parsed{
      .chunk_size = chunk_size,
      .file_id = std::string(reinterpret_cast<const char*>(&header[kOffFileId]), id_len),
      .header_size = header.size()};
  std::unique_ptr<CryptReader> r(new CryptReader(in, key, std::move(parsed), size));
  std::memcpy(r->nonce_prefix_.data(), &header[kOffNoncePrefix], 8);
  std::memcpy(r->key_check_.data(), &header[checked + 8], kCryptTagSize);
  std::array<uint8_t, kCryptTagSize> expect{};
  if (!KeyCheck(key, r->nonce_prefix_, h.first(checked + 8), expect.data())) {
    return absl::InternalError(absl::StrFormat("decrypt '%s': OpenSSL failed", path));
  }
  if (CRYPTO_memcmp(expect.data(), r->key_check_.data(), kCryptTagSize) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "decrypt '%s': wrong key (the header is intact but its key check does not match)", path));
  }
  const uint64_t body = size - header.size();
  const uint64_t stride = uint64_t{chunk_size} + kCryptTagSize;
  const uint64_t rest = body % stride;
  if (body == 0) return bad("truncated: no chunks after the header");
  if (rest != 0 && rest < kCryptTagSize) {
    return bad(absl::StrFormat("truncated: %d bytes after chunk %d, too few for a chunk", rest,
                               body / stride - 1));
  }
  r->chunk_count_ = body / stride + (rest != 0 ? 1 : 0);
  if (r->chunk_count_ > kMaxChunks) return bad("too many chunks");
  return r;
}

absl::Status CryptReader::ReadChunk(uint64_t index, std::string& out) const {
  const uint64_t stride = uint64_t{header_.chunk_size} + kCryptTagSize;
  const uint64_t offset = header_.header_size + index * stride;
  const bool final = index + 1 == chunk_count_;
  const size_t len = final ? file_size_ - offset : stride;
  std::vector<uint8_t> data(len);
  TM_ASSIGN_OR_RETURN(size_t n, in_.ReadAt(offset, MutableByteSpan(data)));
  if (n < len) {
    return absl::DataLossError(absl::StrFormat(
        "decrypt '%s' chunk %d: the file shrank while it was read", in_.path(), index));
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return absl::ResourceExhaustedError("OpenSSL: out of memory");
  const size_t plain = len - kCryptTagSize;
  out.resize(plain);
  const auto nonce = Nonce(nonce_prefix_, static_cast<uint32_t>(index));
  ByteSpan cipher(data.data(), plain), tag(data.data() + plain, kCryptTagSize);
  auto* dst = reinterpret_cast<uint8_t*>(out.data());
  if (Unseal(ctx.get(), key_, nonce, ChunkAad(key_check_, static_cast<uint32_t>(index), final),
             cipher, tag, dst)) {
    return absl::OkStatus();
  }
  // A last chunk that authenticates as a middle one: the file was cut at a chunk boundary.
  if (final && len == stride &&
      Unseal(ctx.get(), key_, nonce, ChunkAad(key_check_, static_cast<uint32_t>(index), false),
             cipher, tag, dst)) {
    return absl::DataLossError(absl::StrFormat(
        "decrypt '%s' chunk %d: truncated: the file ends after this chunk but it is not the "
        "last one",
        in_.path(), index));
  }
  return absl::DataLossError(absl::StrFormat(
      "decrypt '%s' chunk %d: authentication failed (damaged, or not this file's chunk %d)",
      in_.path(), index, index));
}

absl::Status DecryptFile(RandomAccessFile& in, const CryptKey& key, const ByteSink& sink,
                         CryptHeader* header_out) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<CryptReader> reader, CryptReader::Open(in, key));
  if (header_out != nullptr) *header_out = reader->header();
  std::string plain;
  for (uint64_t i = 0; i < reader->chunk_count(); ++i) {
    TM_RETURN_IF_ERROR(reader->ReadChunk(i, plain));
    TM_RETURN_IF_ERROR(
        sink(ByteSpan(reinterpret_cast<const uint8_t*>(plain.data()), plain.size())));
  }
  return absl::OkStatus();
}

}  // namespace tidemark::io
