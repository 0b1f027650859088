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
 *
 * Fatal errors are one stderr line starting "homing-webkit-browser: ", which the test helper
 * watches for (the driver itself would wait for the dead browser until its timeout).
 *
 * No -dev package is installed on the test machines, so the few GLib/GTK/WebKit functions used
 * are declared here, every object as an opaque pointer; the test helper links against the shared
 * libraries by path (libwebkit2gtk-4.1, libgtk-3, libgobject-2.0, libglib-2.0).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

typedef void *gpointer;
typedef int gboolean;
typedef unsigned long GType;
typedef unsigned long gsize;
typedef unsigned long long guint64;

/* GLib / GObject */
extern unsigned long g_signal_connect_data(gpointer instance, const char *signal, void (*handler)(void),
                                           gpointer data, gpointer destroy_data, int flags);
extern gpointer g_object_new(GType type, const char *first_property, ...);
/* GTK 3 */
extern void gtk_init(int *argc, char ***argv);
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

int main(int argc, char **argv) {
  /* The driver does not stop its browser when it is itself stopped (SIGTERM, a test's cleanup):
   * die with it, so no browser outlives its test file. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const char *dir = NULL;
  char *features = NULL, cookies[4096];
  int automation = 0;
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
    else if (!strcmp(argv[i], "--automation")) automation = 1;
    /* anything else (the driver's own flags, if any) is ignored */
  }
  if (!dir || !automation) {
    fprintf(stderr, "homing-webkit-browser: usage: homing-webkit-browser --automation --data-dir=DIR [--features=A,B]\n");
    return 2;
  }
  gtk_init(&argc, &argv);
  settings = webkit_settings_new();
  if (features && *features && !enable_features(features)) return 2;
  /* One directory for data and cache; cookies go to a SQLite file in it (in the GTK 4.1 API they
   * are kept in memory unless told otherwise). */
  gpointer manager = webkit_website_data_manager_new("base-data-directory", dir, "base-cache-directory", dir, NULL);
  snprintf(cookies, sizeof cookies, "%s/cookies.sqlite", dir);
  webkit_cookie_manager_set_persistent_storage(webkit_website_data_manager_get_cookie_manager(manager), cookies, 1);
  context = webkit_web_context_new_with_website_data_manager(manager);
  /* Starts the remote-automation endpoint the driver connects to (it passes the address in the
   * environment); without it the driver waits for a browser that never answers. */
  webkit_web_context_set_automation_allowed(context, 1);
  SIGNAL(context, "automation-started", on_automation_started, NULL);
  gtk_main();
  return 0;
}
