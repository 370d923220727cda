// Helpers for CURing.h: CMSG arithmetic, recvmsg-out decoding and address byte order.
#include "CURing.h"

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/uio.h>

static void split_address(const struct in6_addr *address, uint64_t *high, uint64_t *low) {
    uint64_t h, l;
    memcpy(&h, &address->s6_addr[0], 8);
    memcpy(&l, &address->s6_addr[8], 8);
    *high = be64toh(h);
    *low = be64toh(l);
}

static void join_address(struct in6_addr *address, uint64_t high, uint64_t low) {
    uint64_t h = htobe64(high), l = htobe64(low);
    memcpy(&address->s6_addr[0], &h, 8);
    memcpy(&address->s6_addr[8], &l, 8);
}

size_t curing_pktinfo_control_space(void) { return CMSG_SPACE(sizeof(struct in6_pktinfo)); }

size_t curing_receive_control_space(void) {
    return CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct timespec));
}

size_t curing_recvmsg_header_size(const struct msghdr *msg) {
    return sizeof(struct io_uring_recvmsg_out) + msg->msg_namelen + msg->msg_controllen;
}

int curing_parse_recvmsg(void *buffer, int length, const struct msghdr *msg, curing_datagram *out) {
    struct io_uring_recvmsg_out *header = io_uring_recvmsg_validate(buffer, length, (struct msghdr *)msg);
    if (header == NULL) return -1;
    memset(out, 0, sizeof(*out));
    out->payload = io_uring_recvmsg_payload(header, (struct msghdr *)msg);
    out->payload_length = io_uring_recvmsg_payload_length(header, length, (struct msghdr *)msg);
    out->full_length = header->payloadlen;
    out->truncated = (header->flags & MSG_TRUNC) ? 1 : 0;
    if (header->namelen >= sizeof(struct sockaddr_in6) && msg->msg_namelen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *source = io_uring_recvmsg_name(header);
        curing_sockaddr_in6_get(source, &out->source_high, &out->source_low, &out->source_port,
                                &out->source_scope_id);
    }
    for (struct cmsghdr *cmsg = io_uring_recvmsg_cmsg_firsthdr(header, (struct msghdr *)msg); cmsg != NULL;
         cmsg = io_uring_recvmsg_cmsg_nexthdr(header, (struct msghdr *)msg, cmsg)) {
        if (cmsg->cmsg_level == IPPROTO_IPV6 && cmsg->cmsg_type == IPV6_PKTINFO &&
            cmsg->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
            struct in6_pktinfo info;
            memcpy(&info, CMSG_DATA(cmsg), sizeof(info));
            split_address(&info.ipi6_addr, &out->destination_high, &out->destination_low);
            out->interface_index = (uint32_t)info.ipi6_ifindex;
            out->has_pktinfo = 1;
        } else if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_TIMESTAMPNS &&
                   cmsg->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
            struct timespec stamp;
            memcpy(&stamp, CMSG_DATA(cmsg), sizeof(stamp));
            out->received_realtime_ns = (uint64_t)stamp.tv_sec * 1000000000u + (uint64_t)stamp.tv_nsec;
        }
    }
    return 0;
}

void curing_sockaddr_in6_set(struct sockaddr_in6 *address, uint64_t high, uint64_t low, uint16_t port,
                             uint32_t scope_id) {
    memset(address, 0, sizeof(*address));
    address->sin6_family = AF_INET6;
    address->sin6_port = htons(port);
    address->sin6_scope_id = scope_id;
    join_address(&address->sin6_addr, high, low);
}

void curing_sockaddr_in6_get(const struct sockaddr_in6 *address, uint64_t *high, uint64_t *low, uint16_t *port,
                             uint32_t *scope_id) {
    split_address(&address->sin6_addr, high, low);
    *port = ntohs(address->sin6_port);
    *scope_id = address->sin6_scope_id;
}

size_t curing_write_pktinfo(void *control, uint64_t high, uint64_t low, uint32_t interface_index) {
    size_t space = CMSG_SPACE(sizeof(struct in6_pktinfo));
    memset(control, 0, space);
    struct cmsghdr *cmsg = (struct cmsghdr *)control;
    cmsg->cmsg_level = IPPROTO_IPV6;
    cmsg->cmsg_type = IPV6_PKTINFO;
    cmsg->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
    struct in6_pktinfo info;
    memset(&info, 0, sizeof(info));
    join_address(&info.ipi6_addr, high, low);
    info.ipi6_ifindex = interface_index;
    memcpy(CMSG_DATA(cmsg), &info, sizeof(info));
    return space;
}

void curing_ipv6_mreq_set(struct ipv6_mreq *request, uint64_t high, uint64_t low, uint32_t interface_index) {
    memset(request, 0, sizeof(*request));
    join_address(&request->ipv6mr_multiaddr, high, low);
    request->ipv6mr_interface = interface_index;
}

int curing_enable_rings(struct io_uring *ring) {
    long result = syscall(__NR_io_uring_register, ring->ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
    return result < 0 ? -errno : 0;
}

int curing_allocate_range(int descriptor, int64_t offset, int64_t length) {
    return fallocate(descriptor, 0, offset, length);
}

int curing_flush_range(int descriptor, int64_t previous_offset, int64_t previous_length, int64_t offset,
                       int64_t length) {
    if (previous_length > 0 &&
        sync_file_range(descriptor, previous_offset, previous_length,
                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) != 0) {
        return -1;
    }
    return length > 0 ? sync_file_range(descriptor, offset, length, SYNC_FILE_RANGE_WRITE) : 0;
}

int curing_open_direct(const char *path) { return open(path, O_WRONLY | O_DIRECT | O_CLOEXEC); }

int64_t curing_write_direct(int descriptor, const void *bytes, size_t length, int64_t offset, int durable) {
    struct iovec vector = {.iov_base = (void *)bytes, .iov_len = length};
    return pwritev2(descriptor, &vector, 1, offset, durable ? RWF_DSYNC : 0);
}

void curing_prep_write_durable(struct io_uring_sqe *entry, int descriptor, const void *bytes, unsigned length,
                               uint64_t offset) {
    io_uring_prep_write(entry, descriptor, bytes, length, offset);
    entry->rw_flags = RWF_DSYNC;
}
