interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Small writes of many requests, made together: one group is written at a time, and it takes
 * everything queued when it starts (up to `maxGroup` items), so that under load many requests
 * share one statement and one commit. A request alone waits only for the end of the event loop's
 * turn, so that the requests that arrived with it join it. Each item's promise settles when its
 * group has committed, with the item's own result, or with the group's error.
 */
export class WriteGroups<Item, Result> {
  private waiting: Waiting<Item, Result>[] = [];
  private writing = false;

  constructor(
    /** Writes a group; returns one result per item, in the items' order. */
    private readonly write: (items: Item[]) => Promise<Result[]>,
    private readonly maxGroup: number,
  ) {}

  add(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.writing) return;
      this.writing = true;
      setImmediate(() => void this.writeAll());
    });
  }

  private async writeAll(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.maxGroup);
      try {
        const results = await this.write(group.map((w) => w.item));
        for (const [i, w] of group.entries()) w.resolve(results[i] as Result);
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
    // In the same turn as the last look at `waiting`: an item added after it starts a write.
    this.writing = false;
  }
}
