import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { MessageText } from './MessageText.tsx';

describe('MessageText', () => {
  it('shows hostile markup as text and creates no elements from it', () => {
    const { container } = render(<MessageText text={'<img src=x onerror=alert(1)><script>alert(2)</script><b>bold</b>'} />);
    expect(container.textContent).toBe('<img src=x onerror=alert(1)><script>alert(2)</script><b>bold</b>');
    expect(container.querySelector('img, script, b')).toBeNull();
  });

  it('links web addresses with a safe rel and leaves other schemes as text', () => {
    const { container } = render(<MessageText text="see example.org/a?b=1 and javascript:alert(1) or https://x.test/p" />);
    const links = [...container.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['http://example.org/a?b=1', 'https://x.test/p']);
    for (const a of links) {
      expect(a.getAttribute('rel')).toBe('noopener noreferrer nofollow');
      expect(a.getAttribute('target')).toBe('_blank');
    }
    expect(container.textContent).toContain('javascript:alert(1)');
  });
});
