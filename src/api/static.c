/*
 * The dashboard's files (web/dist, docs/web.md), served next to the API.
 *
 * Paths outside /api/ are files under the web root: "/" is index.html, any
 * other path names one regular file. libmicrohttpd hands us the path already
 * percent-decoded, so "%2e%2e" arrives as ".." and "%2f" as "/": every
 * segment is checked after decoding, and one that is "." or "..", or a path
 * with a backslash, a '%' left over (double encoding) or a control byte is
 * refused with 400 before the file system is touched. The opened file's
 * real path must still lie under the root's real path (a symlink out of the
 * root is 404), and only regular files are served, by GET or HEAD.
 *
 * No token is needed: the files are the public single-page application; the
 * data it shows comes from /api/v1 with the operator's token.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_int.h"
#include "meterhub/base/err.h"
#include "meterhub/base/log.h"

#define STATIC_PATH_MAX 1024

/* Content types by file name ending; anything else is application/octet-stream. */
static const struct {
    const char *ext, *ctype;
} ctypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
};

const char *api_static_ctype(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof ctypes / sizeof ctypes[0]; i++) {
        size_t e = strlen(ctypes[i].ext);
        if (n > e && strcasecmp(path + n - e, ctypes[i].ext) == 0)
            return ctypes[i].ctype;
    }
    return "application/octet-stream";
}

int api_static_path_ok(const char *path)
{
    if (path[0] != '/')
        return 0;
    const char *seg = path + 1;
    for (const char *p = path + 1;; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '/' || ch == '\0') {
            size_t len = (size_t)(p - seg);
            if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
                return 0;
            if (ch == '\0')
                return 1;
            seg = p + 1;
        } else if (ch == '\\' || ch == '%' || ch < 0x20 || ch == 0x7f) {
            return 0;
        }
    }
}

int api_static_init(struct api *a, const char *dir, char *err, size_t cap)
{
    char *root = realpath(dir, NULL);
    struct stat sb;
    if (!root || stat(root, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        free(root);
        if (err && cap)
            snprintf(err, cap, "the web directory is not a readable directory: %s", dir);
        return MH_EINVAL;
    }
    a->web_root = root;
    return 0;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text,
                                 const char *allow)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
                                                             MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Open root + rel when it is a regular file whose real path stays under root; -1 otherwise. */
static int open_under(const char *root, const char *rel, struct stat *sb)
{
    char full[PATH_MAX];
    int n = snprintf(full, sizeof full, "%s%s", root, rel);
    if (n < 0 || (size_t)n >= sizeof full)
        return -1;
    char *real = realpath(full, NULL);
    if (!real)
        return -1;
    size_t rl = strlen(root);
    int inside = strncmp(real, root, rl) == 0 && real[rl] == '/';
    int fd = inside ? open(real, O_RDONLY | O_CLOEXEC) : -1;
    free(real);
    if (fd >= 0 && (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode))) {
        close(fd);
        fd = -1;
    }
    return fd;
}

enum MHD_Result api_static_serve(struct api *a, struct MHD_Connection *c, const char *method,
                                 const char *url)
{
    int head = strcmp(method, "HEAD") == 0;
    if (!head && strcmp(method, "GET") != 0)
        return send_text(c, 405, "only GET and HEAD are served outside /api/\n", "GET, HEAD");
    if (strlen(url) >= STATIC_PATH_MAX || !api_static_path_ok(url)) {
        mh_log(MH_LOG_INFO, "api", "%s %s 400 (path refused)", method, url);
        return send_text(c, 400, "bad path\n", NULL);
    }
    const char *rel = strcmp(url, "/") == 0 ? "/index.html" : url;
    struct stat sb;
    int fd = open_under(a->web_root, rel, &sb);
    if (fd < 0) {
        mh_log(MH_LOG_DEBUG, "api", "%s %s 404", method, url);
        return send_text(c, 404, "not found\n", NULL);
    }
    /* libmicrohttpd sends no body for HEAD, with the file's length; it closes fd. */
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, api_static_ctype(rel));
    /* Vite names built assets by content hash: they never change; index.html must be re-read. */
    MHD_add_response_header(r, "Cache-Control",
                            strncmp(rel, "/assets/", 8) == 0 ? "public, max-age=31536000, immutable"
                                                             : "no-cache");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    mh_log(MH_LOG_DEBUG, "api", "%s %s 200 %lld bytes", method, url, (long long)sb.st_size);
    return ret;
}

const char *api_web_default(void)
{
#ifdef MH_WEB_DIST
    struct stat sb;
    if (stat(MH_WEB_DIST "/index.html", &sb) == 0 && S_ISREG(sb.st_mode))
        return MH_WEB_DIST;
#endif
    return NULL;
}
