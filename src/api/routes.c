/*
 * The route table: every resource the API serves, as data. docs/openapi.yaml
 * documents the same list, and test_api_openapi checks that the two agree
 * (every documented path is served, every served route is documented).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_int.h"
#include "meterhub/base/err.h"

#define V1 "/api/v1"

/* Listings and exports are for viewers; a change of the archive is an operator's. */
const struct api_route api_route_table[] = {
    {{"GET", V1 "/health"}, API_ROLE_VIEWER, 0, api_h_health},
    {{"GET", V1 "/terminals"}, API_ROLE_VIEWER, 0, api_h_terminals},
    {{"GET", V1 "/terminals/{id}"}, API_ROLE_VIEWER, 0, api_h_terminal},
    {{"GET", V1 "/terminals/{id}/links"}, API_ROLE_VIEWER, 0, api_h_terminal_links},
    {{"GET", V1 "/meters"}, API_ROLE_VIEWER, 0, api_h_meters},
    {{"GET", V1 "/meters/{id}"}, API_ROLE_VIEWER, 0, api_h_meter},
    {{"GET", V1 "/meters/{id}/readings"}, API_ROLE_VIEWER, 0, api_h_readings},
    {{"GET", V1 "/archive"}, API_ROLE_VIEWER, 0, api_h_archive_export},
    {{"POST", V1 "/archive"}, API_ROLE_OPERATOR, 1, api_h_archive_import},
    {{"GET", V1 "/collection/rates"}, API_ROLE_VIEWER, 0, api_h_rates},
    {{"GET", V1 "/collection/failures"}, API_ROLE_VIEWER, 0, api_h_failures},
    {{"GET", V1 "/collection/status"}, API_ROLE_VIEWER, 0, api_h_status},
    {{"GET", V1 "/events"}, API_ROLE_VIEWER, 0, api_h_events},
    {{"GET", V1 "/audit"}, API_ROLE_ADMINISTRATOR, 0, api_h_audit},
    {{"POST", V1 "/reads"}, API_ROLE_OPERATOR, 1, api_h_reads},
    {{"GET", V1 "/jobs/{id}"}, API_ROLE_OPERATOR, 0, api_h_job},
    {{"GET", V1 "/stream"}, API_ROLE_VIEWER, 0, api_h_stream},
    {{"GET", V1 "/areas"}, API_ROLE_VIEWER, 0, api_h_areas},
    {{"GET", V1 "/areas/{id}"}, API_ROLE_VIEWER, 0, api_h_area},
    {{"GET", V1 "/alarms"}, API_ROLE_VIEWER, 0, api_h_alarms},
    {{"POST", V1 "/alarms/{id}/ack"}, API_ROLE_OPERATOR, 1, api_h_alarm_ack},
    {{"GET", V1 "/consumption"}, API_ROLE_VIEWER, 0, api_h_consumption},
    {{"GET", V1 "/lineloss"}, API_ROLE_VIEWER, 0, api_h_lineloss},
    {{"POST", V1 "/commands"}, API_ROLE_OPERATOR, 1, api_h_command_submit},
    {{"GET", V1 "/commands"}, API_ROLE_VIEWER, 0, api_h_commands},
    {{"GET", V1 "/commands/{id}"}, API_ROLE_VIEWER, 0, api_h_command},
    {{"POST", V1 "/commands/{id}/confirm"}, API_ROLE_OPERATOR, 1, api_h_command_confirm},
    {{"POST", V1 "/commands/{id}/cancel"}, API_ROLE_OPERATOR, 1, api_h_command_cancel},
    {{"GET", V1 "/protect"}, API_ROLE_ADMINISTRATOR, 0, api_h_protect},
    {{"POST", V1 "/protect"}, API_ROLE_ADMINISTRATOR, 1, api_h_protect_add},
    {{"DELETE", V1 "/protect"}, API_ROLE_ADMINISTRATOR, 1, api_h_protect_remove},
    {{"GET", V1 "/prepay/{id}"}, API_ROLE_VIEWER, 0, api_h_prepay},
    {{"POST", V1 "/prepay/{id}/topup"}, API_ROLE_OPERATOR, 1, api_h_prepay_topup},
    {{"POST", V1 "/prepay/{id}"}, API_ROLE_ADMINISTRATOR, 1, api_h_prepay_open},
    {{"GET", V1 "/stats"}, API_ROLE_VIEWER, 0, api_h_stats},
    {{"GET", V1 "/tasks"}, API_ROLE_VIEWER, 0, api_h_tasks},
    {{"POST", V1 "/tasks/{name}/run"}, API_ROLE_OPERATOR, 1, api_h_task_run},
    {{"POST", V1 "/tasks/{name}/enable"}, API_ROLE_OPERATOR, 1, api_h_task_enable},
    {{"POST", V1 "/tasks/{name}/disable"}, API_ROLE_OPERATOR, 1, api_h_task_disable},
    {{"GET", V1 "/readings"}, API_ROLE_VIEWER, 0, api_h_readings_many},
    {{"GET", V1 "/customers"}, API_ROLE_VIEWER, 0, api_h_customers},
    {{"GET", V1 "/customers/{code}"}, API_ROLE_VIEWER, 0, api_h_customer},
    {{"GET", V1 "/points"}, API_ROLE_VIEWER, 0, api_h_points},
    {{"GET", V1 "/points/{id}"}, API_ROLE_VIEWER, 0, api_h_point},
    {{"POST", V1 "/terminals"}, API_ROLE_OPERATOR, 1, api_h_terminal_add},
    {{"PATCH", V1 "/terminals/{id}"}, API_ROLE_OPERATOR, 1, api_h_terminal_edit},
    {{"POST", V1 "/meters"}, API_ROLE_OPERATOR, 1, api_h_meter_add},
    {{"PATCH", V1 "/meters/{id}"}, API_ROLE_OPERATOR, 1, api_h_meter_edit},
    {{"POST", V1 "/customers"}, API_ROLE_OPERATOR, 1, api_h_customer_add},
    {{"PATCH", V1 "/customers/{code}"}, API_ROLE_OPERATOR, 1, api_h_customer_edit},
    {{"POST", V1 "/areas"}, API_ROLE_OPERATOR, 1, api_h_area_add},
    {{"PATCH", V1 "/areas/{id}"}, API_ROLE_OPERATOR, 1, api_h_area_edit},
    {{"POST", V1 "/plans"}, API_ROLE_OPERATOR, 1, api_h_plan_submit},
    {{"GET", V1 "/plans"}, API_ROLE_VIEWER, 0, api_h_plans},
    {{"GET", V1 "/plans/{id}"}, API_ROLE_VIEWER, 0, api_h_plan},
    {{"POST", V1 "/plans/{id}/confirm"}, API_ROLE_OPERATOR, 1, api_h_plan_confirm},
    {{"POST", V1 "/plans/{id}/cancel"}, API_ROLE_OPERATOR, 1, api_h_plan_cancel},
    {{"POST", V1 "/plans/{id}/release"}, API_ROLE_OPERATOR, 1, api_h_plan_release},
};
const size_t api_route_table_len = sizeof api_route_table / sizeof api_route_table[0];

size_t api_route_count(void)
{
    return api_route_table_len;
}

const struct api_route_info *api_route(size_t i)
{
    return i < api_route_table_len ? &api_route_table[i].info : NULL;
}

/* A path segment's end: the next '/' or the end of the text. */
static size_t seg_len(const char *s)
{
    const char *e = strchr(s, '/');
    return e ? (size_t)(e - s) : strlen(s);
}

int api_path_match(const char *pattern, const char *path, int64_t *params)
{
    const char *start = path;
    size_t np = 0;
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return 0;
        pattern++, path++;
        size_t pl = seg_len(pattern), ql = seg_len(path);
        if (pl == 6 && memcmp(pattern, "{name}", 6) == 0) {
            /* A name: 1..32 of [a-z0-9_]; its param is where it starts in path. */
            if (ql == 0 || ql > 32 || np == API_MAX_PARAMS)
                return 0;
            for (size_t i = 0; i < ql; i++)
                if (!((path[i] >= 'a' && path[i] <= 'z') || (path[i] >= '0' && path[i] <= '9') ||
                      path[i] == '_'))
                    return 0;
            params[np++] = path - start;
        } else if (pl == 6 && memcmp(pattern, "{code}", 6) == 0) {
            /* An archive code (customer, area): 1..23 of [A-Za-z0-9_.-], as in the CSV's fields. */
            if (ql == 0 || ql > 23 || np == API_MAX_PARAMS)
                return 0;
            for (size_t i = 0; i < ql; i++)
                if (!isalnum((unsigned char)path[i]) && path[i] != '_' && path[i] != '.' &&
                    path[i] != '-')
                    return 0;
            params[np++] = path - start;
        } else if (pattern[0] == '{') {
            /* An id: 1..18 digits (fits int64), no sign, no leading zero. */
            if (ql == 0 || ql > 18 || path[0] == '0' || np == API_MAX_PARAMS)
                return 0;
            int64_t v = 0;
            for (size_t i = 0; i < ql; i++) {
                if (path[i] < '0' || path[i] > '9')
                    return 0;
                v = v * 10 + (path[i] - '0');
            }
            params[np++] = v;
        } else if (pl != ql || memcmp(pattern, path, pl) != 0) {
            return 0;
        }
        pattern += pl, path += ql;
    }
    return *pattern == '\0' && *path == '\0';
}

static const char *const role_names[] = {"viewer", "operator", "administrator"};

const char *api_role_name(int role)
{
    return role >= 0 && role < 3 ? role_names[role] : NULL;
}

int api_role_parse(const char *text)
{
    for (int i = 0; i < 3; i++)
        if (text && strcasecmp(text, role_names[i]) == 0)
            return i;
    return MH_EINVAL;
}
