// CRC32C: hardware path (x86-64 SSE4.2) chosen once at load time, slicing-by-8 fallback.
#include "CCRC32C.h"

#include <string.h>

#define CCRC32C_POLY 0x82F63B78u

static uint32_t table[8][256];
static int use_hardware;

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t extend_hardware(uint32_t crc, const uint8_t *p, size_t n) {
    uint64_t c = crc;
    while (n > 0 && ((uintptr_t)p & 7) != 0) {
        c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
        n--;
    }
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = __builtin_ia32_crc32di(c, word);
        p += 8;
        n -= 8;
    }
    while (n > 0) {
        c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
        n--;
    }
    return (uint32_t)c;
}
#endif

static uint32_t extend_tables(uint32_t c, const uint8_t *p, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (n > 0 && ((uintptr_t)p & 7) != 0) {
        c = table[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
        n--;
    }
    while (n >= 8) {
        uint32_t one, two;
        memcpy(&one, p, 4);
        memcpy(&two, p + 4, 4);
        one ^= c;
        c = table[7][one & 0xFF] ^ table[6][(one >> 8) & 0xFF] ^ table[5][(one >> 16) & 0xFF] ^ table[4][one >> 24] ^
            table[3][two & 0xFF] ^ table[2][(two >> 8) & 0xFF] ^ table[1][(two >> 16) & 0xFF] ^ table[0][two >> 24];
        p += 8;
        n -= 8;
    }
#endif
    while (n > 0) {
        c = table[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
        n--;
    }
    return c;
}

__attribute__((constructor)) static void ccrc32c_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int bit = 0; bit < 8; bit++) c = (c & 1) ? (c >> 1) ^ CCRC32C_POLY : c >> 1;
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        for (int k = 1; k < 8; k++) table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xFF];
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    use_hardware = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#endif
}

uint32_t ccrc32c_extend(uint32_t crc, const void *data, size_t length) {
#if defined(__x86_64__)
    if (use_hardware) return ~extend_hardware(~crc, (const uint8_t *)data, length);
#endif
    return ~extend_tables(~crc, (const uint8_t *)data, length);
}

uint32_t ccrc32c_extend_portable(uint32_t crc, const void *data, size_t length) {
    return ~extend_tables(~crc, (const uint8_t *)data, length);
}

int ccrc32c_uses_hardware(void) { return use_hardware; }
