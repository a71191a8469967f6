/**
 * Test helper: what a page looks like in headless Chromium after its scripts ran, to check that
 * figures are really drawn (not only that their HTML is present).
 */

/** A figure `<div>` that says plotly.js could not be loaded (see lib/visualizer/html.ts). */
export const FAILED_FIGURE = /class="ser-plotly-figure"[^>]*>plotly\.js could not be loaded/;

/**
 * The DOM Chromium holds after loading `url` and running its scripts and timers (virtual time,
 * so a page that waits on nothing returns at once).
 *
 * @param chromium the Chromium executable (see `findChromium`)
 * @param url an http(s) or file URL
 */
export async function renderedDom(chromium: string, url: string): Promise<string> {
  const profile = await Deno.makeTempDir({ prefix: "ser-dom-" });
  try {
    const { stdout } = await new Deno.Command(chromium, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
        "--virtual-time-budget=15000",
        `--user-data-dir=${profile}`,
        "--dump-dom",
        url,
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(stdout);
  } finally {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/**
 * A headless Chromium page driven through the DevTools protocol (a WebSocket), for pages that
 * need more than a load: JupyterLab, where cells are run and their charts awaited.
 *
 * Chromium runs in its own process group (killed as a whole by {@link close}) with a throw-away
 * profile, and with every non-local request sent to a closed port, so a test proves that a page
 * works offline even on a machine that has network.
 */
export class BrowserPage {
  #nextId = 0;
  readonly #pending = new Map<
    number,
    { resolve: (value: any) => void; reject: (error: Error) => void }
  >();
  readonly #events: { method: string; params: any }[] = [];

  private constructor(
    readonly child: Deno.ChildProcess,
    readonly profile: string,
    readonly socket: WebSocket,
  ) {
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data));
      if (message.id !== undefined) {
        const waiter = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error) {
          waiter?.reject(new Error(`${message.error.message} ${message.error.data ?? ""}`));
        } else waiter?.resolve(message.result);
      } else {
        this.#events.push(message);
      }
    };
    socket.onclose = () => {
      for (const waiter of this.#pending.values()) {
        waiter.reject(new Error("Chromium closed the DevTools connection"));
      }
      this.#pending.clear();
    };
  }

  /**
   * Starts Chromium on `about:blank` and connects to its page.
   *
   * @param chromium the executable (see `findChromium`)
   * @param size window size in CSS pixels
   */
  static async launch(
    chromium: string,
    size: { width: number; height: number } = { width: 1280, height: 900 },
  ): Promise<BrowserPage> {
    const profile = await Deno.makeTempDir({ prefix: "ser-cdp-" });
    const args = [
      chromium,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-extensions",
      "--no-first-run",
      "--no-default-browser-check",
      "--hide-scrollbars",
      "--force-device-scale-factor=1",
      // Offline: anything but the loopback address goes to a closed port.
      "--proxy-server=http://127.0.0.1:9",
      "--proxy-bypass-list=127.0.0.1;localhost",
      `--window-size=${size.width},${size.height}`,
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ];
    const child = new Deno.Command("setsid", {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      // Chromium writes the port it picked into the profile once it listens.
      let port = "";
      for (let i = 0; i < 300 && !port; i++) {
        try {
          port = (await Deno.readTextFile(`${profile}/DevToolsActivePort`)).split("\n")[0];
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      if (!port) throw new Error("Chromium did not open its DevTools port within 30 s");
      const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      const target = targets.find((t: { type: string }) => t.type === "page");
      if (!target) throw new Error("Chromium has no page to drive");
      const socket = new WebSocket(target.webSocketDebuggerUrl);
      await new Promise<void>((resolve, reject) => {
        socket.onopen = () => resolve();
        socket.onerror = () => reject(new Error("cannot connect to Chromium's DevTools"));
      });
      const page = new BrowserPage(child, profile, socket);
      // The window size includes the (invisible) browser frame; fix the page's own size.
      await page.send("Emulation.setDeviceMetricsOverride", {
        ...size,
        deviceScaleFactor: 1,
        mobile: false,
      });
      await page.send("Page.enable");
      await page.send("Runtime.enable");
      return page;
    } catch (error) {
      killGroup(child);
      await child.status;
      await Deno.remove(profile, { recursive: true }).catch(() => {});
      throw error;
    }
  }

  /** Sends one DevTools command and returns its result. */
  send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Loads `url` and waits for its load event (at most `timeoutMs`). */
  async goto(url: string, timeoutMs = 60_000): Promise<void> {
    this.#events.length = 0;
    await this.send("Page.navigate", { url });
    await this.waitFor("document.readyState === 'complete'", timeoutMs, `load of ${url}`);
  }

  /**
   * Evaluates a JavaScript expression in the page (awaiting it when it is a promise) and
   * returns its value, which must be JSON-serialisable.
   */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (exceptionDetails) {
      const text = exceptionDetails.exception?.description ?? exceptionDetails.text;
      throw new Error(`page script failed: ${text}`);
    }
    return result.value as T;
  }

  /**
   * Polls `expression` every 250 ms until it is truthy and returns its value.
   *
   * @throws Error naming `what` after `timeoutMs`
   */
  async waitFor<T = unknown>(expression: string, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        last = await this.evaluate<T>(expression);
        if (last) return last as T;
      } catch (error) {
        last = error;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
  }

  /** Writes a PNG of the visible page to `path`. */
  async screenshot(path: string): Promise<void> {
    const { data } = await this.send("Page.captureScreenshot", { format: "png" });
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    await Deno.writeFile(path, bytes);
  }

  /** Kills Chromium and its helpers and removes the profile. */
  async close(): Promise<void> {
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
    killGroup(this.child);
    await this.child.status;
    await Deno.remove(this.profile, { recursive: true }).catch(() => {});
  }
}

/** Kills a process started with `setsid` and everything in its process group. */
export function killGroup(child: Deno.ChildProcess, signal: Deno.Signal = "SIGKILL"): void {
  try {
    Deno.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}
