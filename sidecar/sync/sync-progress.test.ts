import { replaceable } from './sync-progress';

/** What an object's outcome ends as when a job converges it twice: first, then second. */
const twice = (
  first: Parameters<typeof replaceable>[0],
  second: Parameters<typeof replaceable>[0],
) => (replaceable(second).includes(first) ? second : first);

describe("an object's outcome when a job converges it twice", () => {
  it('keeps a create when the second read finds nothing to do', () => {
    expect(twice('created', 'unchanged')).toBe('created');
    expect(twice('created', 'skipped')).toBe('created');
    expect(twice('created', 'updated')).toBe('created');
    expect(twice('updated', 'unchanged')).toBe('updated');
  });

  it('takes the success that says more', () => {
    expect(twice('unchanged', 'created')).toBe('created');
    expect(twice('unchanged', 'updated')).toBe('updated');
  });

  it('lets the later of a failure and a success stand', () => {
    expect(twice('created', 'failed')).toBe('failed');
    expect(twice('unchanged', 'failed')).toBe('failed');
    expect(twice('failed', 'unchanged')).toBe('unchanged');
    expect(twice('failed', 'created')).toBe('created');
  });
});
