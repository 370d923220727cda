// CRC32C (Castagnoli, reflected polynomial 0x82F63B78) for the lease log.
// The SSE4.2 `crc32` instruction when the CPU has it, slicing-by-8 tables otherwise.
#ifndef CCRC32C_H
#define CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Extends `crc` (the finished CRC32C of the bytes before, 0 to start) over `length` bytes at `data`.
uint32_t ccrc32c_extend(uint32_t crc, const void *data, size_t length);

/// The same computation with the portable table implementation, whatever the CPU (for tests).
uint32_t ccrc32c_extend_portable(uint32_t crc, const void *data, size_t length);

/// 1 when `ccrc32c_extend` uses the hardware instruction, 0 when it uses the tables.
int ccrc32c_uses_hardware(void);

#endif
