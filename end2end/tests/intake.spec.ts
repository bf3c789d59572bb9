import { test, expect, Page } from '@playwright/test';

/** Waits until the page is hydrated: a typed value reaches a reactive handler. */
async function hydrated(page: Page, probe: () => Promise<void>) {
  await expect(probe).toPass({ timeout: 30_000 });
}

test('an operator takes a call from the keyboard and the ticket lands with the right agency and SLA', async ({ page }) => {
  await page.goto('/operator');
  await expect(page.getByTestId('operator-page')).toBeVisible();
  // Place search ignores diacritics: "thu dau mot" finds "Thành phố Thủ Dầu Một".
  await hydrated(page, async () => {
    await page.getByTestId('place-search').fill('');
    await page.getByTestId('place-search').pressSequentially('phu cuong');
    await expect(page.getByTestId('place-results').getByRole('button').first()).toContainText('Phú Cường', { timeout: 2000 });
  });
  await page.getByTestId('place-results').getByRole('button').first().click();
  await expect(page.getByTestId('resolved-area')).toContainText('Thủ Dầu Một');
  await expect(page.getByTestId('pin')).toBeVisible();

  await page.getByTestId('phone').fill('0912 345 678');
  await page.getByTestId('phone').press('Tab');
  await expect(page.getByTestId('caller-info')).toBeVisible();
  await page.getByTestId('name').fill('Nguyễn Văn An');
  await page.getByTestId('category-filter').fill('chay');
  await page.getByTestId('category').selectOption({ label: 'Cháy, nổ (114) · Fire, explosion (114)' });
  await page.getByTestId('description').fill('Cháy xưởng gỗ, khói lớn <b>gấp</b>');
  // The fire also needs the power company: a child ticket for PCBD.
  await page.getByTestId('also-agencies').locator('summary').click();
  await page.getByTestId('also-PCBD').check();
  await page.getByTestId('description').press('Control+Enter');

  const saved = page.getByTestId('saved');
  await expect(saved).toBeVisible();
  await expect(saved).toContainText(/Đã tạo phiếu BD-[0-9A-Z]{5}-[0-9A-Z]{5}/);
  await expect(page.getByTestId('saved-agency')).toContainText('PCCC');
  await expect(saved).toContainText('Hạn phản hồi');
  await expect(page.getByTestId('saved-children')).toContainText(/BD-[0-9A-Z]{5}-[0-9A-Z]{5}/);
  // The form is cleared for the next call.
  await expect(page.getByTestId('description')).toHaveValue('');

  // The same caller calls again: the earlier ticket and its child (same reporter) show.
  await page.getByTestId('phone').fill('0912345678');
  await page.getByTestId('phone').press('Tab');
  await expect(page.getByTestId('caller-info')).toContainText('2 phiếu trước đó');

  // Open the ticket and move it through its lifecycle.
  await saved.getByRole('link').click();
  await expect(page.getByTestId('ticket-page')).toBeVisible();
  await expect(page.getByTestId('ticket-description')).toHaveText('Cháy xưởng gỗ, khói lớn <b>gấp</b>');
  await expect(page.getByTestId('ticket-status')).toContainText('Đã chuyển');
  await expect(page.getByTestId('children').getByTestId('child')).toHaveCount(1);
  await expect(page.getByTestId('rollup')).toContainText('0/1');
  await hydrated(page, async () => {
    await page.getByTestId('to-acknowledged').click();
    await expect(page.getByTestId('ticket-status')).toContainText('Đã tiếp nhận', { timeout: 2000 });
  });
  await page.getByTestId('to-in_progress').click();
  await expect(page.getByTestId('ticket-status')).toContainText('Đang xử lý');
  await page.getByTestId('note').fill('Đã dập tắt đám cháy');
  await page.getByTestId('to-resolved').click();
  await expect(page.getByTestId('ticket-status')).toContainText('Đã xử lý');
  await expect(page.getByTestId('history').locator('li')).toHaveCount(5);
  await page.screenshot({ path: 'test-results/ticket-page.png', fullPage: true });
});

test('a point outside Bình Dương is flagged and still saved for triage', async ({ page }) => {
  await page.goto('/operator');
  await hydrated(page, async () => {
    await page.getByTestId('lat').fill('10.9733');
    await page.getByTestId('lon').fill('106.4932');
    await expect(page.getByTestId('out-of-area')).toBeVisible({ timeout: 2000 });
  });
  await page.getByTestId('category').selectOption({ index: 0 });
  await page.getByTestId('description').fill('Cháy ở Củ Chi, gọi nhầm 1022');
  await page.getByTestId('save').click();
  await expect(page.getByTestId('saved')).toContainText('hàng chờ phân loại');
  await expect(page.getByTestId('saved-agency')).toContainText('Trung tâm 1022');
});

test('bad coordinates are named, not saved', async ({ page }) => {
  await page.goto('/operator');
  await hydrated(page, async () => {
    await page.getByTestId('lat').fill('106.65');
    await page.getByTestId('lon').fill('10.98');
    await expect(page.getByTestId('position-error')).toContainText('đảo ngược', { timeout: 2000 });
  });
  await page.getByTestId('category').selectOption({ index: 0 });
  await page.getByTestId('description').fill('x');
  await page.getByTestId('save').click();
  await expect(page.getByTestId('save-error')).toContainText('lat');
});

test('a citizen reports through the web form and follows the ticket by its code', async ({ page }) => {
  await page.goto('/report');
  await expect(page.getByTestId('report-page')).toBeVisible();
  // Pin the place on the map first (this waits for hydration).
  const map = page.getByTestId('pick-map');
  await hydrated(page, async () => {
    // Click where the Thủ Dầu Một label is: a point inside that district.
    const box = (await map.boundingBox())!;
    const label = (await map.locator('text[data-district="718"]').boundingBox())!;
    await map.click({ position: { x: label.x - box.x + label.width / 2, y: label.y - box.y + label.height / 2 } });
    await expect(page.getByTestId('report-lat')).not.toHaveValue('', { timeout: 1000 });
  });
  await page.getByTestId('report-category').selectOption({ label: 'Cấp thoát nước, ngập · Water supply, drainage, flooding' });
  await page.getByTestId('report-description').fill('Ngập sâu 40 cm trước chợ, xe máy chết máy');
  await page.getByTestId('report-phone').fill('0987654321');
  await page.getByTestId('report-submit').click();
  const code = (await page.getByTestId('report-code').innerText()).trim();
  expect(code).toMatch(/^BD-[0-9A-Z]{5}-[0-9A-Z]{5}$/);

  await page.goto('/track');
  await page.getByTestId('track-code').fill(code.toLowerCase());
  await page.getByTestId('track-code').press('Enter');
  await expect(page).toHaveURL(new RegExp(`/track/${code}$`));
  const result = page.getByTestId('track-result');
  await expect(result).toContainText(code);
  await expect(result).toContainText('Biwase');
  await expect(result).toContainText('Thủ Dầu Một');
  await expect(page.locator('body')).not.toContainText('0987654321');
  await page.goto('/track/BD-00000-00000');
  await expect(page.getByTestId('track-error')).toBeVisible();
});
