/*
 * meterhub fep as a process: the archive's terminal logs in over loopback
 * and is confirmed byte-exact, a stranger is refused, and the events come
 * out on stdout as JSON lines; the command stops at --duration.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "meterhub/base/wr.h"
#include "meterhub/proto/gdw1376.h"

static const char csv[] =
    "area,region,terminal_address,terminal_kind,terminal_protocol,channel_group,pn,meter_address,"
    "meter_protocol,phases,ct,pt,rated_voltage_v,contract_kw,tariff,pv,pv_peak_kw,customer,"
    "customer_class,area_meter\n"
    "A1,0171,01710001,concentrator,gdw1376,G1,1,100000000000,dlt645-2007,3,60,1,220/380,8.000,,0,0.000,"
    ",area,1\n";

static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static int connect_retry(uint16_t port)
{
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    for (int i = 0; i < 200; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
        close(fd);
        poll(NULL, 0, 10);
    }
    fail_msg("meterhub fep did not listen on %u", port);
    return -1;
}

static size_t read_all(int fd, uint8_t *p, size_t n, int ms)
{
    size_t got = 0;
    struct pollfd pf = {fd, POLLIN, 0};
    while (got < n && poll(&pf, 1, ms) == 1) {
        ssize_t r = read(fd, p + got, n - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static void test_fep_command_serves_the_archive(void **state)
{
    (void)state;
    char path[] = "/tmp/meterhub-fep-XXXXXX";
    int cfd = mkstemp(path);
    assert_true(cfd >= 0);
    assert_int_equal(write(cfd, csv, sizeof csv - 1), (ssize_t)(sizeof csv - 1));
    close(cfd);
    char bin[512], listen_at[32];
    const char *dir = getenv("MH_BINARY_DIR");
    snprintf(bin, sizeof bin, "%s/src/cli/meterhub", dir ? dir : ".");
    uint16_t port = free_port();
    snprintf(listen_at, sizeof listen_at, "127.0.0.1:%u", port);
    int out[2];
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        execl(bin, bin, "fep", "--archive", path, "--listen", listen_at, "--duration", "2", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    int fd = connect_retry(port);
    uint8_t f[64], got[64], want[64];
    const struct gdw1376_addr a = {0x0171, 0x0001, 0, 0}, stranger = {0x0171, 0x0099, 0, 0};
    struct mh_wr w;
    mh_wr_init(&w, f, sizeof f);
    gdw1376_enc_link(&w, &a, 1, 2);
    assert_int_equal(write(fd, f, mh_wr_len(&w)), (ssize_t)mh_wr_len(&w));
    mh_wr_init(&w, want, sizeof want);
    gdw1376_enc_confirm(&w, &a, 0, 2);
    assert_int_equal(read_all(fd, got, mh_wr_len(&w), 2000), mh_wr_len(&w));
    assert_memory_equal(got, want, mh_wr_len(&w));
    int fd2 = connect_retry(port);
    mh_wr_init(&w, f, sizeof f);
    gdw1376_enc_link(&w, &stranger, 1, 3);
    assert_int_equal(write(fd2, f, mh_wr_len(&w)), (ssize_t)mh_wr_len(&w));
    assert_int_equal(read_all(fd2, got, 20, 2000), 20);
    assert_int_equal(got[16], 0x02); /* AFN00 F2: denied */
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char text[1024] = {0};
    read_all(out[0], (uint8_t *)text, sizeof text - 1, 1000);
    assert_non_null(strstr(text, "{\"event\":\"online\",\"terminal\":\"01710001\",\"protocol\":\"gdw1376\""));
    assert_non_null(strstr(text, "{\"event\":\"offline\",\"terminal\":\"01710001\",\"reason\":\"shutdown\"}"));
    assert_null(strstr(text, "01710099"));
    close(fd);
    close(fd2);
    close(out[0]);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fep_command_serves_the_archive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
