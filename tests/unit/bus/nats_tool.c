/*
 * The other end of the bus in the tests: a consumer of what the station
 * publishes, on nats.c like any utility system would be.
 *
 *   nats_tool URL stream NAME SUBJECT...   create a file-backed JetStream stream
 *   nats_tool URL sub SUBJECT IDLE_MS       print "subject<TAB>payload" per message
 *                                          until IDLE_MS pass without one (SIGTERM ends too)
 *   nats_tool URL dump STREAM IDLE_MS       the same for every message stored in a stream
 *   nats_tool URL count STREAM              print the stream's message count
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static int die(const char *what, natsStatus s, jsErrCode jerr)
{
    fprintf(stderr, "nats_tool: %s: %s (%d)\n", what, natsStatus_GetText(s), (int)jerr);
    return 1;
}

static void print_msg(natsMsg *m)
{
    printf("%s\t%.*s\n", natsMsg_GetSubject(m), natsMsg_GetDataLength(m), natsMsg_GetData(m));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fputs("usage: nats_tool URL stream|sub|dump|count ARGS...\n", stderr);
        return 2;
    }
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    jsErrCode jerr = 0;
    natsStatus s = natsConnection_ConnectTo(&nc, argv[1]);
    if (s != NATS_OK)
        return die("connect", s, 0);
    if ((s = natsConnection_JetStream(&js, nc, NULL)) != NATS_OK)
        return die("jetstream", s, 0);
    const char *cmd = argv[2];
    int rc = 0;
    if (strcmp(cmd, "stream") == 0 && argc >= 5) {
        jsStreamConfig cfg;
        jsStreamConfig_Init(&cfg);
        cfg.Name = argv[3];
        cfg.Subjects = (const char **)(argv + 4);
        cfg.SubjectsLen = argc - 4;
        cfg.Storage = js_FileStorage;
        jsStreamInfo *si = NULL;
        s = js_AddStream(&si, js, &cfg, NULL, &jerr);
        jsStreamInfo_Destroy(si);
        if (s != NATS_OK)
            rc = die("add stream", s, jerr);
    } else if (strcmp(cmd, "count") == 0) {
        jsStreamInfo *si = NULL;
        s = js_GetStreamInfo(&si, js, argv[3], NULL, &jerr);
        if (s != NATS_OK)
            rc = die("stream info", s, jerr);
        else
            printf("%llu\n", (unsigned long long)si->State.Msgs);
        jsStreamInfo_Destroy(si);
    } else if ((strcmp(cmd, "sub") == 0 || strcmp(cmd, "dump") == 0) && argc >= 5) {
        signal(SIGTERM, on_term);
        int64_t idle = strtoll(argv[4], NULL, 10);
        if (idle <= 0)
            idle = 1000;
        natsSubscription *sub = NULL;
        if (cmd[0] == 's')
            s = natsConnection_SubscribeSync(&sub, nc, argv[3]);
        else {
            jsSubOptions so;
            jsSubOptions_Init(&so);
            so.Stream = argv[3];
            so.Ordered = true;
            s = js_SubscribeSync(&sub, js, ">", NULL, &so, &jerr);
        }
        if (s != NATS_OK)
            return die("subscribe", s, jerr);
        natsConnection_Flush(nc);
        /* Started: the caller may begin publishing. */
        fputs("ready\n", stderr);
        while (!stop) {
            natsMsg *m = NULL;
            s = natsSubscription_NextMsg(&m, sub, idle);
            if (s == NATS_TIMEOUT)
                break;
            if (s != NATS_OK) {
                if (s == NATS_CONNECTION_CLOSED)
                    break;
                continue; /* slow consumer or a reconnection: go on */
            }
            print_msg(m);
            natsMsg_Destroy(m);
        }
        natsSubscription_Destroy(sub);
    } else {
        fputs("nats_tool: bad command\n", stderr);
        rc = 2;
    }
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return rc;
}
