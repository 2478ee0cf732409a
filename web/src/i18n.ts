// Labels in English and Chinese; the default follows the browser, the toggle is remembered.

const en = {
  title: 'meterhub master station', overview: 'Overview', terminals: 'Terminals', meters: 'Meters',
  area: 'Transformer area', events: 'Alarms & events', report: 'Collection report', logout: 'Log out',
  login: 'Log in', token: 'API token', loginHint: 'Enter an API token (meterhub api token add NAME --role viewer).',
  badToken: 'The token was not accepted', online: 'Online', offline: 'Offline', unknown: 'Unknown',
  terminalsOnline: 'Terminals online', successToday: "Today's collection success rate", trend: 'Success rate, last days',
  eventsByType: 'Events by type (last 7 days)', regionTree: 'Regions', noData: 'No data',
  region: 'Region', address: 'Address', kind: 'Kind', protocol: 'Protocol', channelGroup: 'Channel group',
  status: 'Status', lastContact: 'Last contact', points: 'Points', history: 'Online history', meter: 'Meter',
  customer: 'Customer', terminal: 'Terminal', registers: 'Registers', daily: 'Daily consumption (kWh)',
  loadCurve: '15-minute load curve (kW)', voltageCurrent: 'Voltage and current', readNow: 'Read now',
  readNowOff: 'On-demand reading needs the master station (meterhub serve --api); the API alone cannot reach meters',
  supply: 'Supply (area meter)', usersSum: 'Sum of users', lineLoss: 'Line loss (%)', code: 'Code', start: 'Start',
  end: 'End', filter: 'Filter', from: 'From', to: 'To', day: 'Day', class: 'Class', group: 'Group by',
  metersCol: 'Meters', collected: 'Collected', failed: 'Failed', neverTried: 'Never tried', rate: 'Rate',
  reasons: 'Failure reasons', count: 'Count', open: 'Open', value: 'Value', unit: 'Unit', time: 'Time',
  areaMeter: 'Area meter', users: 'Users', loading: 'Loading…', total: 'Total', go: 'Show', kwh: 'kWh',
  voltage: 'Voltage (V)', current: 'Current (A)', power: 'Power (kW)', users7: 'last 7 days',
  reading: 'Reading…', readDone: 'Read at', readFailed: 'Read failed', item: 'Item', live: 'Live',
  liveOn: 'connected to the station', liveOff: 'not connected (the API alone sends no live events)',
  round: 'Round', jobsDone: 'terminals done', readResult: 'On-demand read',
  commands: 'Commands', command: 'Command', confirm: 'Confirm', cancel: 'Cancel', operator: 'Operator',
  confirmer: 'Second operator', reason: 'Reason', state_pending: 'Pending confirmation', state_sent: 'Sent',
  state_finished: 'Finished', state_refused: 'Refused', state_cancelled: 'Cancelled',
  pointsList: 'Measurement points', edit: 'Edit', editMeter: 'Edit meter', save: 'Save', saved: 'Saved',
  saveFailed: 'Not saved', active: 'Active', contract: 'Contract (kW)', tariff: 'Tariff',
  plans: 'Orderly-use plans', plan: 'Plan', newPlan: 'New plan', name: 'Name', targetKw: 'Target (kW)',
  expectKw: 'Expected (kW)', reducedKw: 'Reduced (kW)', shortKw: 'Short (kW)', currentKw: 'Load (kW)',
  beforeKw: 'Before (kW)', afterKw: 'After (kW)', planUsers: 'Meters (id:priority)', maxPct: 'Max %',
  create: 'Create', release: 'Release', releaseCmd: 'Release command', priority: 'Priority', shed: 'Shed',
  detail: 'Detail', met: 'met', notMet: 'not met', plan_pending: 'Pending confirmation',
  plan_scheduled: 'Scheduled', plan_active: 'Active', plan_released: 'Released', plan_cancelled: 'Cancelled',
  plan_closed: 'Closed (window passed)', plan_failed: 'Failed', plan_manual: 'By hand',
  protectPrepay: 'Protect & prepay', protectList: 'Protect list', remove: 'Remove', add: 'Add',
  prepaid: 'Prepaid account', balance: 'Balance (yuan)', warnAt: 'Warn at (yuan)', topUp: 'Top up',
  receipt: 'Receipt',
  newCommand: 'New command', targets: 'Targets', send: 'Send',
  targetsHint: 'meter_*: meter ids or 12-digit addresses; others: terminal id or id:pn; comma-separated',
};
type Key = keyof typeof en;
const zh: Record<Key, string> = {
  title: 'meterhub 用电信息采集主站', overview: '总览', terminals: '终端', meters: '电表', area: '台区',
  events: '告警与事件', report: '采集报表', logout: '退出', login: '登录', token: 'API 令牌',
  loginHint: '请输入 API 令牌（meterhub api token add NAME --role viewer）。', badToken: '令牌无效',
  online: '在线', offline: '离线', unknown: '未知', terminalsOnline: '终端在线', successToday: '今日采集成功率',
  trend: '近日采集成功率', eventsByType: '事件分类（近 7 天）', regionTree: '地区', noData: '暂无数据',
  region: '地区', address: '地址', kind: '类型', protocol: '规约', channelGroup: '通道组', status: '状态',
  lastContact: '最后通信', points: '测量点', history: '在线历史', meter: '电表', customer: '用户',
  terminal: '终端', registers: '电能示值', daily: '日用电量（kWh）', loadCurve: '15 分钟负荷曲线（kW）',
  voltageCurrent: '电压与电流', readNow: '实时召测',
  readNowOff: '实时召测需要主站（meterhub serve --api）；仅 API 无法访问电表', supply: '供电量（台区总表）',
  usersSum: '用户用电量之和', lineLoss: '线损率（%）', code: '代码', start: '开始', end: '结束', filter: '筛选',
  from: '从', to: '到', day: '日期', class: '数据类', group: '分组', metersCol: '电表数', collected: '成功',
  failed: '失败', neverTried: '未采', rate: '成功率', reasons: '失败原因', count: '数量', open: '未结束',
  value: '值', unit: '单位', time: '时间', areaMeter: '台区总表', users: '用户', loading: '加载中…',
  total: '合计', go: '查询', kwh: '千瓦时', voltage: '电压（V）', current: '电流（A）', power: '功率（kW）',
  users7: '近 7 天',
  reading: '正在召测…', readDone: '召测时间', readFailed: '召测失败', item: '数据项', live: '实时',
  liveOn: '已连接主站', liveOff: '未连接（单独的 API 不推送实时事件）', round: '采集轮次',
  jobsDone: '终端已完成', readResult: '实时召测',
  commands: '控制命令', command: '命令', confirm: '确认', cancel: '撤销', operator: '操作员',
  confirmer: '复核人', reason: '原因', state_pending: '待复核', state_sent: '已下发', state_finished: '已完成',
  state_refused: '已拒绝', state_cancelled: '已撤销',
  pointsList: '测量点', edit: '编辑', editMeter: '编辑电表档案', save: '保存', saved: '已保存',
  saveFailed: '未保存', active: '在用', contract: '合同容量（kW）', tariff: '费率',
  plans: '有序用电方案', plan: '方案', newPlan: '新建方案', name: '名称', targetKw: '压降目标（kW）',
  expectKw: '预计压降（kW）', reducedKw: '实际压降（kW）', shortKw: '缺口（kW）', currentKw: '负荷（kW）',
  beforeKw: '执行前（kW）', afterKw: '执行后（kW）', planUsers: '电表（编号:优先级）', maxPct: '最大比例 %',
  create: '创建', release: '解除', releaseCmd: '解除命令', priority: '优先级', shed: '压降比例',
  detail: '说明', met: '达标', notMet: '未达标', plan_pending: '待复核', plan_scheduled: '已排程',
  plan_active: '执行中', plan_released: '已解除', plan_cancelled: '已撤销', plan_closed: '已关闭（时段已过）',
  plan_failed: '失败', plan_manual: '手动',
  protectPrepay: '保电与预付费', protectList: '保电名单', remove: '移除', add: '添加',
  prepaid: '预付费账户', balance: '余额（元）', warnAt: '告警阈值（元）', topUp: '充值', receipt: '票据号',
  newCommand: '下发命令', targets: '对象', send: '下发',
  targetsHint: 'meter_*：电表编号或 12 位表地址；其他：终端编号或 编号:轮次；逗号分隔',
};

export type Lang = 'en' | 'zh';
const LANG_KEY = 'meterhub.lang';

export function lang(): Lang {
  const s = localStorage.getItem(LANG_KEY);
  if (s === 'en' || s === 'zh') return s;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}
export function setLang(l: Lang): void {
  localStorage.setItem(LANG_KEY, l);
}
export function t(k: Key): string {
  return (lang() === 'zh' ? zh : en)[k];
}
