/** A tiny server-sent events reader over fetch, for the demo tests (EventSource is not in Node 20). */
export interface SseEvent {
  event: string;
  data: string;
}

export interface SseStream {
  headers: Headers;
  status: number;
  /** Resolves with the next event that satisfies `accept` (events before it are skipped). */
  next(accept?: (event: SseEvent) => boolean): Promise<SseEvent>;
  close(): void;
}

export async function openEventStream(url: string): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal, headers: { Accept: 'text/event-stream' } });
  if (!res.body) throw new Error('no body');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const queue: SseEvent[] = [];

  async function fill(): Promise<void> {
    const { value, done } = await reader.read();
    if (done) throw new Error('event stream ended');
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) queue.push({ event, data: data.join('\n') });
    }
  }

  return {
    headers: res.headers,
    status: res.status,
    async next(accept = () => true) {
      // Bounded: a stream that never yields what we want fails the test through its timeout, not a hang forever.
      for (let reads = 0; reads < 10_000; reads += 1) {
        while (queue.length > 0) {
          const event = queue.shift() as SseEvent;
          if (accept(event)) return event;
        }
        await fill();
      }
      throw new Error('no matching event');
    },
    close() {
      controller.abort();
    },
  };
}
