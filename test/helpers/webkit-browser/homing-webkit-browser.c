/*
 * homing-webkit-browser: the smallest WebKitGTK browser WebKitWebDriver can drive, for the
 * cross-browser tests (test/helpers/webkit.ts builds it with plain gcc and hands it to the driver
 * as `webkitgtk:browserOptions.binary`).
 *
 * Why not Debian's MiniBrowser: in automation mode it always uses an ephemeral website data
 * manager, so localStorage, IndexedDB and service-worker registrations are gone after a relaunch.
 * This one keeps them in --data-dir=DIR (they also survive a SIGKILL of this process).
 *
 *   homing-webkit-browser --automation --data-dir=DIR [--features=Id1,Id2,...]
 *   homing-webkit-browser --list-features     (every feature: identifier, default, status, category)
 *   homing-webkit-browser --data-dir=DIR --list-data             ("data SITE<TAB>type,type" per record)
 *   homing-webkit-browser --data-dir=DIR --remove-data-for=HOST  (see below; the browser must be closed)
 *
 * --remove-data-for deletes the script-written storage of HOST's site (localStorage,
 * sessionStorage, IndexedDB, service-worker registrations, CacheStorage; not cookies) through
 * webkit_website_data_manager_remove(), what Safari's tracking prevention removes from a site after
 * 7 days without user interaction (test/helpers/webkit.ts: wipeScriptStorage). It prints "removing
 * SITE<TAB>types" per record removed, then "helper PID" for each helper process still running.
 * Both data commands need a display, like the browser.
 *
 * Fatal errors are one stderr line starting "homing-webkit-browser: ", which the test helper
 * watches for (the driver itself would wait for the dead browser until its timeout).
 *
 * No -dev package is installed on the test machines, so the few GLib/GTK/WebKit functions used
 * are declared here, every object as an opaque pointer; the test helper links against the shared
 * libraries by path (libwebkit2gtk-4.1, libgtk-3, libgobject-2.0, libglib-2.0).
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

typedef void *gpointer;
typedef int gboolean;
typedef unsigned long GType;
typedef unsigned long gsize;
typedef unsigned long long guint64;
typedef struct GList {
  gpointer data;
  struct GList *next, *prev;
} GList;
typedef struct {
  unsigned domain;
  int code;
  char *message;
} GError;
typedef void (*GAsyncReadyCallback)(gpointer source, gpointer result, gpointer data);

/* GLib / GObject */
extern unsigned long g_signal_connect_data(gpointer instance, const char *signal, void (*handler)(void),
                                           gpointer data, gpointer destroy_data, int flags);
extern gpointer g_object_new(GType type, const char *first_property, ...);
extern gpointer g_main_loop_new(gpointer context, gboolean is_running);
extern void g_main_loop_run(gpointer loop);
extern void g_main_loop_quit(gpointer loop);
extern GList *g_list_prepend(GList *list, gpointer data);
extern void g_list_free(GList *list);
/* GTK 3 */
extern void gtk_init(int *argc, char ***argv);
extern gboolean gtk_init_check(int *argc, char ***argv);
extern gpointer gtk_window_new(int type); /* 0: GTK_WINDOW_TOPLEVEL */
extern void gtk_window_set_default_size(gpointer window, int width, int height);
extern void gtk_container_add(gpointer container, gpointer widget);
extern void gtk_widget_show_all(gpointer widget);
extern void gtk_widget_destroy(gpointer widget);
extern void gtk_main(void);
extern void gtk_main_quit(void);
/* WebKitGTK 4.1 (2.50) */
extern GType webkit_web_view_get_type(void);
extern gpointer webkit_website_data_manager_new(const char *first_option, ...);
extern gpointer webkit_website_data_manager_get_cookie_manager(gpointer manager);
extern void webkit_website_data_manager_fetch(gpointer manager, unsigned types, gpointer cancellable,
                                              GAsyncReadyCallback callback, gpointer data);
extern GList *webkit_website_data_manager_fetch_finish(gpointer manager, gpointer result, GError **error);
extern void webkit_website_data_manager_remove(gpointer manager, unsigned types, GList *records, gpointer cancellable,
                                               GAsyncReadyCallback callback, gpointer data);
extern gboolean webkit_website_data_manager_remove_finish(gpointer manager, gpointer result, GError **error);
extern const char *webkit_website_data_get_name(gpointer record);
extern unsigned webkit_website_data_get_types(gpointer record);
extern void webkit_cookie_manager_set_persistent_storage(gpointer cookies, const char *file, int kind);
extern gpointer webkit_web_context_new_with_website_data_manager(gpointer manager);
extern void webkit_web_context_set_automation_allowed(gpointer context, gboolean allowed);
extern gpointer webkit_application_info_new(void);
extern void webkit_application_info_set_name(gpointer info, const char *name);
extern void webkit_application_info_set_version(gpointer info, guint64 major, guint64 minor, guint64 micro);
extern void webkit_automation_session_set_application_info(gpointer session, gpointer info);
extern void webkit_application_info_unref(gpointer info);
extern unsigned webkit_get_major_version(void), webkit_get_minor_version(void), webkit_get_micro_version(void);
extern gpointer webkit_settings_new(void);
extern gpointer webkit_settings_get_all_features(void);
extern void webkit_settings_set_feature_enabled(gpointer settings, gpointer feature, gboolean enabled);
extern gsize webkit_feature_list_get_length(gpointer list);
extern gpointer webkit_feature_list_get(gpointer list, gsize index);
extern const char *webkit_feature_get_identifier(gpointer feature);
extern const char *webkit_feature_get_category(gpointer feature);
extern gboolean webkit_feature_get_default_value(gpointer feature);
extern int webkit_feature_get_status(gpointer feature);

#define SIGNAL(instance, name, fn, data) g_signal_connect_data(instance, name, (void (*)(void))(fn), data, NULL, 0)

static gpointer context, settings;
/* Open windows. The process quits when the last one closes: the driver ends a session by closing
 * every window, so the browser then exits on its own, as a user's quit would. */
static int windows;

static void on_window_destroyed(gpointer window, gpointer data) {
  if (--windows == 0) gtk_main_quit();
}

/* A page's window.close() or WebDriver's "Close Window": destroying the view unloads the page,
 * so pagehide, visibilitychange and unload run as when a user closes a tab. */
static void on_close(gpointer view, gpointer window) { gtk_widget_destroy(window); }

/* Every WebDriver window is a view in its own toplevel window: all of them count as visible, so
 * none is throttled like a background tab. */
static gpointer create_web_view(gpointer session, gpointer data) {
  gpointer view = g_object_new(webkit_web_view_get_type(), "web-context", context, "settings", settings,
                               "is-controlled-by-automation", 1, NULL);
  gpointer window = gtk_window_new(0);
  gtk_window_set_default_size(window, 1024, 768);
  gtk_container_add(window, view);
  SIGNAL(view, "close", on_close, window);
  SIGNAL(window, "destroy", on_window_destroyed, NULL);
  windows++;
  gtk_widget_show_all(window);
  return view;
}

/* The driver compares the session's browserName with what the browser reports here. */
static void on_automation_started(gpointer ctx, gpointer session, gpointer data) {
  gpointer info = webkit_application_info_new();
  webkit_application_info_set_name(info, "homing-webkit-browser");
  webkit_application_info_set_version(info, webkit_get_major_version(), webkit_get_minor_version(),
                                      webkit_get_micro_version());
  webkit_automation_session_set_application_info(session, info);
  webkit_application_info_unref(info);
  SIGNAL(session, "create-web-view", create_web_view, NULL);
}

/* --features=A,B: turns on each named feature (identifiers as --list-features prints them). */
static int enable_features(char *list) {
  gpointer all = webkit_settings_get_all_features();
  for (char *id = strtok(list, ","); id; id = strtok(NULL, ",")) {
    gsize i, n = webkit_feature_list_get_length(all);
    for (i = 0; i < n && strcmp(webkit_feature_get_identifier(webkit_feature_list_get(all, i)), id); i++) {}
    if (i == n) return fprintf(stderr, "homing-webkit-browser: unknown feature %s (see --list-features)\n", id), 0;
    webkit_settings_set_feature_enabled(settings, webkit_feature_list_get(all, i), 1);
  }
  return 1;
}

static const char *const STATUS[] = {"embedder", "unstable", "internal", "developer", "testable", "preview", "stable", "mature"};

/* WebKitWebsiteDataTypes bits (WebKitWebsiteData.h). */
enum {
  DATA_OFFLINE_APPLICATION_CACHE = 1 << 2,
  DATA_SESSION_STORAGE = 1 << 3,
  DATA_LOCAL_STORAGE = 1 << 4,
  DATA_WEBSQL_DATABASES = 1 << 5,
  DATA_INDEXEDDB_DATABASES = 1 << 6,
  DATA_COOKIES = 1 << 8,
  DATA_SERVICE_WORKER_REGISTRATIONS = 1 << 12,
  DATA_DOM_CACHE = 1 << 13,
  DATA_ALL = (1 << 14) - 1,
};
/* What WebKit's tracking prevention deletes from a site it removes "all but cookies" for: the
 * storage a script can write. Cookies, the HTTP cache and HSTS stay. */
static const unsigned SCRIPT_WRITTEN = DATA_LOCAL_STORAGE | DATA_SESSION_STORAGE | DATA_INDEXEDDB_DATABASES |
                                       DATA_SERVICE_WORKER_REGISTRATIONS | DATA_DOM_CACHE |
                                       DATA_OFFLINE_APPLICATION_CACHE | DATA_WEBSQL_DATABASES;
static const struct { unsigned bit; const char *name; } TYPE_NAMES[] = {
    {1 << 0, "memory-cache"}, {1 << 1, "disk-cache"}, {DATA_OFFLINE_APPLICATION_CACHE, "appcache"},
    {DATA_SESSION_STORAGE, "session-storage"}, {DATA_LOCAL_STORAGE, "local-storage"}, {DATA_WEBSQL_DATABASES, "websql"},
    {DATA_INDEXEDDB_DATABASES, "indexeddb"}, {1 << 7, "plugin-data"}, {DATA_COOKIES, "cookies"},
    {1 << 9, "device-id-hash-salt"}, {1 << 10, "hsts"}, {1 << 11, "itp"},
    {DATA_SERVICE_WORKER_REGISTRATIONS, "service-workers"}, {DATA_DOM_CACHE, "cache-storage"}};

static void print_record(const char *prefix, gpointer record, unsigned mask) {
  unsigned types = webkit_website_data_get_types(record) & mask;
  printf("%s%s\t", prefix, webkit_website_data_get_name(record));
  const char *sep = "";
  for (unsigned i = 0; i < sizeof TYPE_NAMES / sizeof *TYPE_NAMES; i++)
    if (types & TYPE_NAMES[i].bit) printf("%s%s", sep, TYPE_NAMES[i].name), sep = ",";
  printf("\n");
}

/* --list-data and --remove-data-for: one fetch of every record of the profile, then for a removal
 * one webkit_website_data_manager_remove() of the chosen records' script-written types, the call
 * WebKit's tracking prevention makes itself (deleteWebsiteDataForRegistrableDomains). */
static struct {
  gpointer loop;
  const char *host; /* whose records to remove; NULL to list */
  int status;
} job;

/* A record is named by its registrable domain ("example.com" for www.example.com; the address
 * itself for an IP or localhost) and holds every origin of it: every scheme, port and subdomain. */
static int record_matches(const char *name, const char *host) {
  size_t n = strlen(name), h = strlen(host);
  return !strcmp(name, host) || (h > n && host[h - n - 1] == '.' && !strcmp(host + h - n, name));
}

static void on_removed(gpointer manager, gpointer result, gpointer records) {
  GError *error = NULL;
  if (!webkit_website_data_manager_remove_finish(manager, result, &error)) {
    fprintf(stderr, "homing-webkit-browser: removing the data of %s failed: %s\n", job.host, error ? error->message : "?");
    job.status = 1;
  }
  g_list_free(records);
  g_main_loop_quit(job.loop);
}

static void on_fetched(gpointer manager, gpointer result, gpointer data) {
  GError *error = NULL;
  GList *records = webkit_website_data_manager_fetch_finish(manager, result, &error), *chosen = NULL;
  if (!records && error) {
    fprintf(stderr, "homing-webkit-browser: fetching the website data failed: %s\n", error->message);
    job.status = 1;
    g_main_loop_quit(job.loop);
    return;
  }
  for (GList *r = records; r; r = r->next) {
    if (!job.host) print_record("data ", r->data, DATA_ALL);
    else if (record_matches(webkit_website_data_get_name(r->data), job.host)) chosen = g_list_prepend(chosen, r->data);
  }
  if (!chosen) {
    g_main_loop_quit(job.loop);
    return;
  }
  for (GList *r = chosen; r; r = r->next) print_record("removing ", r->data, SCRIPT_WRITTEN);
  /* The fetched records stay alive until the callback: the list is never freed (the process exits). */
  webkit_website_data_manager_remove(manager, SCRIPT_WRITTEN, chosen, NULL, on_removed, chosen);
}

/* Prints "helper PID" for each child still running (the network process the data manager started):
 * it exits by itself once this process is gone, and the caller waits for that before it starts a
 * browser on the same directory. */
static void print_helpers(void) {
  DIR *proc = opendir("/proc");
  struct dirent *entry;
  char path[64], stat[512];
  while (proc && (entry = readdir(proc))) {
    int pid = atoi(entry->d_name), ppid = 0;
    if (pid <= 0) continue;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    size_t len = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[len] = 0;
    char *end = strrchr(stat, ')'); /* "pid (comm) state ppid ..." */
    if (end && sscanf(end + 2, "%*c %d", &ppid) == 1 && ppid == getpid()) printf("helper %d\n", pid);
  }
  if (proc) closedir(proc);
}

static gpointer data_manager(const char *dir) {
  char cookies[4096];
  /* One directory for data and cache; cookies go to a SQLite file in it (in the GTK 4.1 API they
   * are kept in memory unless told otherwise). */
  gpointer manager = webkit_website_data_manager_new("base-data-directory", dir, "base-cache-directory", dir, NULL);
  snprintf(cookies, sizeof cookies, "%s/cookies.sqlite", dir);
  webkit_cookie_manager_set_persistent_storage(webkit_website_data_manager_get_cookie_manager(manager), cookies, 1);
  return manager;
}

int main(int argc, char **argv) {
  /* The driver does not stop its browser when it is itself stopped (SIGTERM, a test's cleanup):
   * die with it, so no browser outlives its test file. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const char *dir = NULL, *remove = NULL;
  char *features = NULL;
  int automation = 0, list = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--list-features")) {
      gpointer all = webkit_settings_get_all_features();
      for (gsize j = 0; j < webkit_feature_list_get_length(all); j++) {
        gpointer f = webkit_feature_list_get(all, j);
        unsigned status = webkit_feature_get_status(f);
        printf("%s\t%s\t%s\t%s\n", webkit_feature_get_identifier(f), webkit_feature_get_default_value(f) ? "on" : "off",
               status < 8 ? STATUS[status] : "?", webkit_feature_get_category(f));
      }
      return 0;
    }
    if (!strncmp(argv[i], "--data-dir=", 11)) dir = argv[i] + 11;
    else if (!strncmp(argv[i], "--features=", 11)) features = argv[i] + 11;
    else if (!strncmp(argv[i], "--remove-data-for=", 18)) remove = argv[i] + 18;
    else if (!strcmp(argv[i], "--list-data")) list = 1;
    else if (!strcmp(argv[i], "--automation")) automation = 1;
    /* anything else (the driver's own flags, if any) is ignored */
  }
  if (dir && (list || (remove && *remove)) && !automation) {
    /* No window and no web process: the data manager starts a network process of its own. GTK
     * needs a display all the same (a removal aborts without one). */
    if (!gtk_init_check(&argc, &argv)) {
      fprintf(stderr, "homing-webkit-browser: cannot open the display (DISPLAY=%s)\n", getenv("DISPLAY") ?: "");
      return 2;
    }
    job.loop = g_main_loop_new(NULL, 0);
    job.host = list ? NULL : remove;
    webkit_website_data_manager_fetch(data_manager(dir), DATA_ALL, NULL, on_fetched, NULL);
    g_main_loop_run(job.loop);
    print_helpers();
    fflush(stdout);
    return job.status;
  }
  if (!dir || !automation) {
    fprintf(stderr, "homing-webkit-browser: usage: homing-webkit-browser --automation --data-dir=DIR [--features=A,B]\n"
                    "   or: homing-webkit-browser --data-dir=DIR --list-data | --remove-data-for=HOST\n");
    return 2;
  }
  gtk_init(&argc, &argv);
  settings = webkit_settings_new();
  if (features && *features && !enable_features(features)) return 2;
  context = webkit_web_context_new_with_website_data_manager(data_manager(dir));
  /* Starts the remote-automation endpoint the driver connects to (it passes the address in the
   * environment); without it the driver waits for a browser that never answers. */
  webkit_web_context_set_automation_allowed(context, 1);
  SIGNAL(context, "automation-started", on_automation_started, NULL);
  gtk_main();
  return 0;
}
