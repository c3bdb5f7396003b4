/**
 * Video through ffmpeg pipes: ffprobe reads the size and frame rate, one ffmpeg decodes to raw RGB frames on its
 * stdout, another encodes the annotated frames from its stdin into a temporary sibling of the output, which is
 * renamed into place only when the encoder exits cleanly (src/core/atomic-write.ts's temporary naming), so a
 * failed or killed run leaves no half-written video.
 */
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { KnownError } from '../core/errors';
import { fsyncDir, temporarySibling } from '../core/atomic-write';
import type { RgbImage } from '../data/image-io';

export class VideoError extends KnownError {}

export const VIDEO_EXTENSIONS = ['.mp4', '.webm', '.mov', '.mkv', '.avi', '.y4m', '.ogv', '.m4v'];

export interface VideoInfo {
  width: number;
  height: number;
  fps: number;
  frames: number | null;
}

function ffmpegPath(tool: 'ffmpeg' | 'ffprobe'): string {
  return process.env[tool === 'ffmpeg' ? 'JASR_FFMPEG' : 'JASR_FFPROBE'] ?? tool;
}

export function probeVideo(file: string): VideoInfo {
  const r = spawnSync(
    ffmpegPath('ffprobe'),
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,r_frame_rate,nb_frames', '-of', 'json', file],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (r.error) throw new VideoError(`${file}: cannot run ffprobe to read the video (${r.error.message}); install ffmpeg or set JASR_FFPROBE`);
  const stream =
    r.status === 0
      ? (JSON.parse(r.stdout) as { streams?: { width?: number; height?: number; r_frame_rate?: string; nb_frames?: string }[] }).streams?.[0]
      : undefined;
  if (!stream?.width || !stream.height) {
    const why =
      r.stderr
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .join('; ') || 'no video stream';
    throw new VideoError(`${file}: expected a video ffmpeg can decode, found ${why}`);
  }
  const [num, den] = (stream.r_frame_rate ?? '25/1').split('/').map(Number);
  const fps = den > 0 && num > 0 ? num / den : 25;
  const frames = stream.nb_frames && Number.isFinite(Number(stream.nb_frames)) ? Number(stream.nb_frames) : null;
  return { width: stream.width, height: stream.height, fps, frames };
}

/**
 * Decoded RGB frames, one at a time; at most `maxFrames` (the decoder is stopped after them). Up to `ahead` frames
 * are read from ffmpeg before they are asked for: a frame is larger than the pipe's buffer (64 KiB), so a reader
 * that only reads when asked leaves ffmpeg blocked on a full pipe while the frame before is processed, and then
 * waits for the whole decode; read ahead, ffmpeg decodes on the other core meanwhile (the decode wait in
 * bench/RESULTS.md's enhance section). `ahead` 0 reads only when a frame is asked for (the reader before).
 */
export async function* readFrames(file: string, info: VideoInfo, maxFrames = Infinity, ahead = 4): AsyncGenerator<RgbImage> {
  const args = ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24'];
  if (Number.isFinite(maxFrames)) args.push('-frames:v', String(maxFrames));
  const proc = spawn(ffmpegPath('ffmpeg'), [...args, '-']);
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  const frameBytes = info.width * info.height * 3;
  // Each pipe chunk is copied once, into the frame it belongs to (appending chunks to a growing buffer copied a
  // 720×576 frame's bytes ~10 times over).
  const ready: Uint8Array[] = [];
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  let decoded = 0;
  let ended = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  proc.stdout.on('data', (chunk: Buffer) => {
    for (let at = 0; at < chunk.length && decoded < maxFrames;) {
      const n = Math.min(frameBytes - filled, chunk.length - at);
      frame.set(chunk.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === frameBytes) {
        ready.push(frame);
        decoded++;
        frame = new Uint8Array(frameBytes);
        filled = 0;
      }
    }
    if (ready.length >= Math.max(1, ahead)) proc.stdout.pause();
    notify();
  });
  const finish = (): void => {
    ended = true;
    notify();
  };
  proc.stdout.on('end', finish);
  proc.stdout.on('close', finish);
  let count = 0;
  try {
    while (count < maxFrames) {
      const data = ready.shift();
      if (!data) {
        if (ended) break;
        proc.stdout.resume(); // a frame is asked for
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (ready.length < ahead) proc.stdout.resume();
      count++;
      yield { data, width: info.width, height: info.height };
    }
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
  const code = await exited;
  if (count < maxFrames && code !== 0 && code !== null)
    throw new VideoError(`${file}: ffmpeg stopped decoding after ${count} frames (${stderr.trim().split('\n').pop() ?? `exit ${code}`})`);
}

/** Encodes frames into `file` (H.264 in MP4, or by extension), committed by `close()`, removed by `abort()`. */
export class VideoWriter {
  private readonly tmp: string;
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<number | null>;
  private stderr = '';

  constructor(
    readonly file: string,
    readonly width: number,
    readonly height: number,
    fps: number,
  ) {
    this.tmp = temporarySibling(file);
    // The temporary name has no extension, so the container is named explicitly.
    const codec = file.toLowerCase().endsWith('.webm')
      ? ['-c:v', 'libvpx-vp9', '-b:v', '0', '-crf', '32', '-f', 'webm']
      : ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-f', 'mp4'];
    // yuv420p needs even sides: pad by one pixel when odd.
    this.proc = spawn(ffmpegPath('ffmpeg'), [
      '-v',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${width}x${height}`,
      '-r',
      String(fps),
      '-i',
      '-',
      '-vf',
      'pad=ceil(iw/2)*2:ceil(ih/2)*2',
      ...codec,
      this.tmp,
    ]);
    this.proc.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-2000);
    });
    this.proc.stdin.on('error', () => undefined); // an encoder that died is reported by close()
    this.exited = new Promise((resolve) => this.proc.on('close', (code) => resolve(code)));
  }

  async write(frame: RgbImage): Promise<void> {
    if (!this.proc.stdin.write(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength))) {
      // Wait for room in the pipe, or for an encoder that died (close() reports it); remove both listeners after.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.proc.stdin.off('drain', done);
          this.proc.off('close', done);
          resolve();
        };
        this.proc.stdin.once('drain', done);
        this.proc.once('close', done);
      });
    }
  }

  async close(): Promise<void> {
    this.proc.stdin.end();
    const code = await this.exited;
    if (code !== 0) {
      fs.rmSync(this.tmp, { force: true });
      throw new VideoError(`${this.file}: ffmpeg could not encode the annotated video (exit ${code}: ${this.stderr.trim().split('\n').pop() ?? ''})`);
    }
    fs.renameSync(this.tmp, this.file);
    fsyncDir(path.dirname(this.file));
  }

  async abort(): Promise<void> {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
    await this.exited;
    fs.rmSync(this.tmp, { force: true });
  }
}
