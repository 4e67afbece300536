import { fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import '../../i18n/index.ts';
import { sealForUpload } from '../../session/testing.ts';
import { EncryptedFile } from './EncryptedFile.tsx';

afterEach(() => vi.unstubAllGlobals());

describe('EncryptedFile', () => {
  it('decrypts a file sent with OMEMO in the browser on request, fetching it without its key', async () => {
    const sealed = await sealForUpload(new Blob([new TextEncoder().encode('quarterly numbers')]));
    const stored = new Uint8Array(await sealed.blob.arrayBuffer());
    const fetched: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      fetched.push(url);
      return new Response(stored);
    });
    const url = sealed.link('https://example.org/upload/k/report.pdf');
    render(<EncryptedFile file={{ url, name: 'report.pdf' }} domain="example.org" />);
    fireEvent.click(screen.getByRole('button', { name: 'Decrypt and open report.pdf' }));
    const link = await screen.findByRole('link', { name: 'Save report.pdf' });
    expect(link.getAttribute('href')).toMatch(/^blob:/);
    expect(fetched).toEqual(['https://example.org/upload/k/report.pdf']);
  });

  it('says so when the file does not match its key', async () => {
    const sealed = await sealForUpload(new Blob([new Uint8Array([9, 9, 9])]));
    vi.stubGlobal('fetch', async () => new Response(new Uint8Array(19)));
    render(<EncryptedFile file={{ url: sealed.link('https://example.org/upload/k/x.bin'), name: 'x.bin' }} domain="example.org" />);
    fireEvent.click(screen.getByRole('button', { name: 'Decrypt and open x.bin' }));
    await screen.findByText('The encrypted file is damaged or its link is not valid.');
  });
});
