/*
 * Customers and measurement points as resources: listings with filters
 * and paging like the other archive lists (h_archive.c), a customer by its
 * code with its meters, a point by its id (STORE_POINT_ID: terminal x 4096
 * + pn, the point's natural key).
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "meterhub/archive.h"
#include "meterhub/base/err.h"
#include "meterhub/store.h"

/* GET /customers?code=&name=&class=&area=&limit=&after= (name: a part of it) */
void api_h_customers(struct api_req *rq, struct api_resp *rs)
{
    int64_t limit, after;
    struct store_customer_filter f = STORE_CUSTOMER_FILTER_ANY;
    if (api_arg_page(rq, rs, &limit, &after) ||
        api_arg_named(rq, rs, "class", archive_class_name, &f.class_))
        return;
    f.code = api_arg(rq, "code");
    f.area = api_arg(rq, "area");
    f.name = api_arg(rq, "name");
    struct store_customer_row *out = malloc(sizeof *out * (size_t)limit);
    int n = out ? store_customers_list(rq->api->st, &f, after, out, (size_t)limit) : MH_ENOMEM;
    api_reply_rows(rs, &api_rows_customer, out, n, limit);
    free(out);
}

/* The customer's meters (active or retired), all pages, into arr; 0 or MH_E*. */
static int customer_meters(struct store *st, const char *code, json_t *arr)
{
    enum { PAGE = 256 };
    struct store_meter_row *m = malloc(sizeof *m * PAGE);
    if (!m)
        return MH_ENOMEM;
    struct store_meter_filter f = STORE_METER_FILTER_ANY;
    f.customer = code;
    int64_t after = 0;
    int n, rc = 0;
    do {
        n = store_meters_list(st, &f, after, m, PAGE);
        for (int i = 0; i < n && rc == 0; i++)
            if (json_array_append_new(arr, api_rows_meter.json(&m[i])) != 0)
                rc = MH_ENOMEM;
        if (n > 0)
            after = m[n - 1].id;
    } while (rc == 0 && n == PAGE);
    free(m);
    return rc ? rc : n < 0 ? n : 0;
}

/* GET /customers/{code}: the customer with its meters. */
void api_h_customer(struct api_req *rq, struct api_resp *rs)
{
    const char *code = rq->path + rq->params[0];
    struct store_customer_row c;
    int rc = store_customer_get(rq->api->st, code, &c);
    if (rc == MH_ENOENT) {
        api_reply_error(rs, 404, "no customer with code '%s'", code);
        return;
    }
    json_t *o = rc == 0 ? api_rows_customer.json(&c) : NULL;
    json_t *arr = json_array();
    if (rc == 0)
        rc = !o || !arr ? MH_ENOMEM : customer_meters(rq->api->st, code, arr);
    if (rc != 0 || json_object_set_new(o, "meters", arr) != 0) {
        json_decref(o);
        json_decref(arr);
        api_reply_error(rs, 500, rc == MH_ENOMEM ? "out of memory" : "the store query failed");
        return;
    }
    api_reply_json(rs, 200, o);
}

/* GET /points?terminal=&meter=&area=&protocol=&limit=&after= */
void api_h_points(struct api_req *rq, struct api_resp *rs)
{
    int64_t limit, after;
    struct store_point_filter f = STORE_POINT_FILTER_ANY;
    if (api_arg_page(rq, rs, &limit, &after) ||
        api_arg_int(rq, rs, "terminal", 1, INT64_MAX / 4096, 0, &f.terminal) ||
        api_arg_int(rq, rs, "meter", 1, INT64_MAX, 0, &f.meter) ||
        api_arg_named(rq, rs, "protocol", archive_protocol_name, &f.protocol))
        return;
    f.area = api_arg(rq, "area");
    struct store_point_row *out = malloc(sizeof *out * (size_t)limit);
    int n = out ? store_points_list(rq->api->st, &f, after, out, (size_t)limit) : MH_ENOMEM;
    api_reply_rows(rs, &api_rows_point, out, n, limit);
    free(out);
}

void api_h_point(struct api_req *rq, struct api_resp *rs)
{
    struct store_point_row p;
    int rc = store_point_get(rq->api->st, rq->params[0], &p);
    api_reply_row(rs, &api_rows_point, &p, rc, "point", rq->params[0]);
}
