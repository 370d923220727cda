// CURing: the small C surface PortLeaseTransport needs from liburing and the socket headers.
//
// liburing's static inline functions import into Swift directly; this header adds what does
// not: flag macros built from enum bit positions, CMSG_* arithmetic, and the byte-order work of
// sockaddr_in6 / in6_pktinfo, and one io_uring_register call liburing 2.3 declares but does not
// export. Every system call is made from Swift, in the PortLeaseSystem module.
#ifndef CURING_H
#define CURING_H

// System headers first: liburing.h defines _XOPEN_SOURCE when it is unset, and a debug build
// breaks (fd_set defined twice) if it is the first header to pull in <features.h>.
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <netinet/in.h>
#include <net/if.h>
#include <stdint.h>
// The kernel's io_uring definitions before liburing's copy of them (both guard with
// LINUX_IO_URING_H, so liburing's is skipped): swift-system's CSystem includes the kernel's, and a
// Swift module that sees both CURing and SystemPackage needs one definition of io_uring_sqe.
#include <linux/io_uring.h>
#include <liburing.h>

/// SQE flags (`1U << IOSQE_*_BIT` macros do not import into Swift).
static const unsigned CURING_IOSQE_BUFFER_SELECT = IOSQE_BUFFER_SELECT;
static const unsigned CURING_IOSQE_FIXED_FILE = IOSQE_FIXED_FILE;

/// Socket options Swift's Glibc module does not always export.
static const int CURING_IPV6_RECVPKTINFO = IPV6_RECVPKTINFO;
static const int CURING_IPV6_V6ONLY = IPV6_V6ONLY;
static const int CURING_IPV6_JOIN_GROUP = IPV6_JOIN_GROUP;
static const int CURING_IPV6_MULTICAST_IF = IPV6_MULTICAST_IF;
static const int CURING_IPV6_MULTICAST_LOOP = IPV6_MULTICAST_LOOP;
static const int CURING_MSG_TRUNC = MSG_TRUNC;

/// One received datagram, decoded from a provided buffer filled by a multishot recvmsg.
/// Addresses are split into two 64-bit halves in host order (the first eight bytes on the wire
/// are `*_high`), the shape of PortLeaseWire's `IPv6Address`.
typedef struct curing_datagram {
    const void *payload;          // inside the provided buffer
    uint32_t payload_length;      // bytes at `payload` (at most the buffer's payload room)
    uint32_t full_length;         // the datagram's real length (larger when truncated)
    int32_t truncated;            // 1 when MSG_TRUNC was reported
    int32_t has_pktinfo;          // 1 when an IPV6_PKTINFO control message was present
    uint64_t source_high, source_low;
    uint16_t source_port;         // host order
    uint32_t source_scope_id;
    uint64_t destination_high, destination_low;
    uint32_t interface_index;
    uint64_t received_realtime_ns; // the kernel's receive time (SO_TIMESTAMPNS, CLOCK_REALTIME); 0 if absent
} curing_datagram;

/// Bytes of control buffer needed for one IPV6_PKTINFO message (CMSG_SPACE).
size_t curing_pktinfo_control_space(void);

/// Bytes of control buffer a received datagram needs: IPV6_PKTINFO and SO_TIMESTAMPNS.
size_t curing_receive_control_space(void);

/// SO_TIMESTAMPNS (the kernel stamps each received datagram, nanoseconds, CLOCK_REALTIME).
static const int CURING_SO_TIMESTAMPNS = SO_TIMESTAMPNS;

/// Bytes the kernel writes before the payload in each provided buffer for `msg`
/// (struct io_uring_recvmsg_out + msg_namelen + msg_controllen).
size_t curing_recvmsg_header_size(const struct msghdr *msg);

/// Decodes the provided buffer `buffer` holding `length` bytes (the CQE's res) for `msg`.
/// Returns 0 on success, -1 when the buffer is too short to be a recvmsg result.
int curing_parse_recvmsg(void *buffer, int length, const struct msghdr *msg, curing_datagram *out);

/// Fills `address` as an AF_INET6 socket address (port in host order).
void curing_sockaddr_in6_set(struct sockaddr_in6 *address, uint64_t high, uint64_t low, uint16_t port,
                             uint32_t scope_id);

/// Reads an AF_INET6 socket address into halves, port (host order) and scope id.
void curing_sockaddr_in6_get(const struct sockaddr_in6 *address, uint64_t *high, uint64_t *low, uint16_t *port,
                             uint32_t *scope_id);

/// Writes one IPV6_PKTINFO control message (source address, outgoing interface) into `control`,
/// which must hold `curing_pktinfo_control_space()` bytes. Returns the msg_controllen to use.
size_t curing_write_pktinfo(void *control, uint64_t high, uint64_t low, uint32_t interface_index);

/// IORING_REGISTER_ENABLE_RINGS on `ring` (liburing 2.3's io_uring_enable_rings is declared
/// in the header but missing from the shared library). Returns 0 or the negated errno.
int curing_enable_rings(struct io_uring *ring);

/// sync_file_range(2), which Swift's Glibc module does not declare (it needs _GNU_SOURCE).
/// `wait_previous` first waits for writeback of [previous_offset, previous_offset + previous_length)
/// (WAIT_BEFORE | WRITE | WAIT_AFTER) when that length is not 0; then writeback of
/// [offset, offset + length) is started (WRITE) without waiting. Returns 0, or -1 with errno set.
int curing_flush_range(int descriptor, int64_t previous_offset, int64_t previous_length, int64_t offset,
                       int64_t length);

/// fallocate(2) with mode 0 (allocate the blocks of [offset, offset + length), growing the file
/// to cover them; they read as zeros), which Swift's Glibc module does not declare. Unlike
/// posix_fallocate it never falls back to writing zeros: a file system without it fails with
/// EOPNOTSUPP. Returns 0, or -1 with errno set.
int curing_allocate_range(int descriptor, int64_t offset, int64_t length);

/// open(2) of an existing file for direct writes (O_WRONLY | O_DIRECT | O_CLOEXEC), which
/// Swift's Glibc module cannot spell (O_DIRECT needs _GNU_SOURCE). Returns the descriptor, or -1
/// with errno set (EINVAL where the file system has no direct I/O, as tmpfs).
int curing_open_direct(const char *path);

/// pwritev2(2) of `length` bytes at `offset`, with RWF_DSYNC when `durable` is not 0: on a
/// descriptor from curing_open_direct the bytes (and whatever metadata reading them back needs)
/// are on stable storage when it returns. Returns the bytes written, or -1 with errno set.
int64_t curing_write_direct(int descriptor, const void *bytes, size_t length, int64_t offset, int durable);

/// Prepares an IORING_OP_WRITE of `length` bytes at `offset` with RWF_DSYNC: the write's
/// completion means the bytes are durable, with no separate fsync.
void curing_prep_write_durable(struct io_uring_sqe *entry, int descriptor, const void *bytes, unsigned length,
                               uint64_t offset);

/// Fills an ipv6_mreq for IPV6_JOIN_GROUP.
void curing_ipv6_mreq_set(struct ipv6_mreq *request, uint64_t high, uint64_t low, uint32_t interface_index);

#endif
