// 居民服务: the public page (zh-CN, mobile-first, no sign-in) — report a problem, follow a case by its number, rate it.
import { follow, keepToken, PublicApiError, rate, reopen, report, services, tokenOf, type ServiceRequest } from './api';
import './resident.css';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '—');
const say = (where: string, text: string) => { $(where).textContent = text; };
const failure = (e: unknown) => (e instanceof PublicApiError ? e.message : '网络异常，请稍后再试');

async function loadServices(): Promise<void> {
  const select = $<HTMLSelectElement>('service');
  for (const s of await services()) {
    select.add(new Option(s.service_name, s.service_code));
  }
}

function show(c: ServiceRequest): void {
  $('case').hidden = false;
  say('case-status', c.status === 'open' ? '办理中' : '已办结');
  say('case-stage', c.status_notes);
  say('case-service', c.service_name);
  say('case-agency', c.agency_responsible);
  say('case-requested', time(c.requested_datetime));
  say('case-updated', time(c.updated_datetime));
  say('case-expected', time(c.expected_datetime));
  say('case-supporters', String(c.supporters));
  const photos = $('case-photos');
  photos.replaceChildren(...(c.media_urls ?? []).map((url, n) => {
    const img = document.createElement('img');
    img.src = url;
    img.alt = `现场照片 ${n + 1}`;
    img.loading = 'lazy';
    return img;
  }));
  const token = tokenOf(c.service_request_id);
  $('rating-form').hidden = !(token && c.status === 'closed');
  $('reopen').hidden = true;
}

async function followCase(id: string): Promise<void> {
  try {
    show(await follow(id));
    say('follow-result', '');
  } catch (e) {
    $('case').hidden = true;
    say('follow-result', e instanceof PublicApiError && e.status === 404 ? '未找到该案件编号' : failure(e));
  }
}

$('locate').addEventListener('click', () => navigator.geolocation?.getCurrentPosition((p) => {
  $<HTMLInputElement>('lat').value = p.coords.latitude.toFixed(6);
  $<HTMLInputElement>('long').value = p.coords.longitude.toFixed(6);
}, () => say('report-result', '无法获取位置，请手动填写经纬度')));

$('report-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  // Photos go as multipart (Open311's media field); without any, the form is form-encoded as the spec's plain POST.
  const photos = [...($<HTMLInputElement>('media').files ?? [])];
  if (photos.length > 3) {
    say('report-result', '最多上传 3 张照片');
    return;
  }
  const form = photos.length > 0 ? new FormData() : new URLSearchParams();
  for (const [name, value] of new FormData(e.target as HTMLFormElement)) {
    if (typeof value === 'string' && value.trim() !== '') {
      form.append(name, value.trim());
    }
  }
  for (const photo of photos) {
    (form as FormData).append('media', photo, photo.name);
  }
  try {
    const created = await report(form);
    if (created.follow_up_token) {
      keepToken(created.service_request_id, created.follow_up_token);
    }
    $('report-result').dataset.case = created.service_request_id;
    say('report-result', `已提交。案件编号：${created.service_request_id}。${created.service_notice}`);
    $<HTMLInputElement>('case-number').value = created.service_request_id;
    await followCase(created.service_request_id);
  } catch (error) {
    say('report-result', `提交失败：${failure(error)}`);
  }
});

$('follow-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void followCase($<HTMLInputElement>('case-number').value.trim());
});

$('rating-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = $<HTMLInputElement>('case-number').value.trim();
  const rating = $<HTMLSelectElement>('rating').value;
  try {
    await rate(id, tokenOf(id) ?? '', rating, $<HTMLTextAreaElement>('comment').value.trim());
    $('rating-form').hidden = true;
    $('reopen').hidden = rating !== 'unsatisfied';
    say('follow-result', '感谢您的评价');
  } catch (error) {
    say('follow-result', failure(error));
  }
});

$('reopen').addEventListener('click', async () => {
  const id = $<HTMLInputElement>('case-number').value.trim();
  try {
    // The answer is the case as it stands after the reopen: shown as it is, without asking again.
    const answer = await reopen(id, tokenOf(id) ?? '');
    say('case-status', answer.stage === 'closed' || answer.stage === 'cancelled' ? '已办结' : '办理中');
    say('case-stage', answer.statusNotes);
    $('reopen').hidden = true;
    say('follow-result', '已申请重新核查');
  } catch (error) {
    say('follow-result', failure(error));
  }
});

const fromAddress = new URLSearchParams(location.search).get('case');
void loadServices().catch((e) => say('report-result', failure(e)));
if (fromAddress) {
  $<HTMLInputElement>('case-number').value = fromAddress;
  void followCase(fromAddress);
}
