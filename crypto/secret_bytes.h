// SecretBytes owns a buffer of secret material in libsodium guarded memory
// (sodium_malloc: guard pages, mlock, wiped and freed on destruction).
// Move-only; never printed. Thread-compatible.
#ifndef MEND_CRYPTO_SECRET_BYTES_H_
#define MEND_CRYPTO_SECRET_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mend::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  // Allocates `size` zeroed bytes. Aborts if guarded memory cannot be had,
  // because continuing would put a secret into ordinary memory.
  explicit SecretBytes(size_t size);
  // Copies `data` into guarded memory. The caller wipes its own copy.
  static SecretBytes CopyOf(std::string_view data);
  // `size` random bytes.
  static SecretBytes Random(size_t size);

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  // An explicit copy, so that duplicating a secret is visible at the call site.
  SecretBytes Clone() const;

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }

  // Constant-time comparison (sodium_memcmp); false when the sizes differ.
  bool Equals(const SecretBytes& other) const;

 private:
  void Release();

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace mend::crypto

#endif  // MEND_CRYPTO_SECRET_BYTES_H_
