/* Socket addresses shared by the backends: parsing, naming, per-address counts, bound sockets. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chan_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/keymap.h"

int chan_addr_parse(const char *host, uint16_t port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (!host)
        host = "0.0.0.0";
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0)
        return 0;
    if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0)
        return 0;
    return MH_EINVAL;
}

uint16_t chan_addr_describe(const struct sockaddr *sa, const char *proto, char *out, size_t cap,
                            uint8_t addr[16], uint8_t *addr_len)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    uint16_t port = 0;
    *addr_len = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        uv_ip4_name(a, ip, sizeof ip);
        port = ntohs(a->sin_port);
        memcpy(addr, &a->sin_addr, 4);
        *addr_len = 4;
        snprintf(out, cap, "%s %s:%u", proto, ip, (unsigned)port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        uv_ip6_name(a, ip, sizeof ip);
        port = ntohs(a->sin6_port);
        memcpy(addr, &a->sin6_addr, 16);
        *addr_len = 16;
        snprintf(out, cap, "%s [%s]:%u", proto, ip, (unsigned)port);
    } else {
        snprintf(out, cap, "%s ?", proto);
    }
    return port;
}

uintptr_t chan_addr_count(struct mh_keymap *m, const uint8_t *addr, size_t len, int delta)
{
    uintptr_t n = (uintptr_t)mh_keymap_get(m, addr, len);
    n = delta > 0 ? n + 1 : n - 1;
    if (n == 0)
        mh_keymap_del(m, addr, len);
    else if (mh_keymap_set(m, addr, len, (void *)n) != 0)
        return 0; /* out of memory: the address goes uncounted rather than refused */
    return n;
}

int chan_bound_socket(const struct sockaddr_storage *ss, int type, int reuseport)
{
    int fd = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (bind(fd, (const struct sockaddr *)ss, len) != 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    return fd;
}

uint16_t chan_handle_port(const struct sockaddr_storage *bound)
{
    if (bound->ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)bound)->sin6_port);
    if (bound->ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)bound)->sin_port);
    return 0;
}
