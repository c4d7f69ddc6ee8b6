import { describe, expect, it } from 'vitest';
import { joinedReadState } from '../../../agent/miners/drivers/luxos.ts';

/** A joined `config+summary+power` reply as LUXminer sends it (the shape of the fake's and of the firmware's). */
function reply(over: { curtail?: string; ghs?: number | string; watts?: number | string; status?: string[] } = {}): string {
  const [c = 'S', s = 'S', p = 'S'] = over.status ?? [];
  const status = (letter: string, code: number, msg: string) =>
    `[{"Code":${code},"Description":"LUXminer 2024.5.1.155210-f5cc1a8f","Msg":"${msg}","STATUS":"${letter}","When":1733100000}]`;
  return (
    `{"config":[{"CONFIG":[{"CurtailMode":"${over.curtail ?? 'None'}","Profile":"default","IsAtmEnabled":false}],"STATUS":${status(c, 33, 'LUXminer config')},"id":1}],` +
    `"summary":[{"SUMMARY":[{"GHS 5s":${over.ghs ?? 100000.5},"GHS av":99000,"Elapsed":3600}],"STATUS":${status(s, 11, 'Summary')},"id":1}],` +
    `"power":[{"POWER":[{"PSU":true,"Watts":${over.watts ?? 3500}}],"STATUS":${status(p, 336, 'Power')},"id":1}],"id":1}`
  );
}

/** What the full parse makes of the same reply. */
function parsed(text: string) {
  const json = JSON.parse(text);
  const curtail: string = json.config[0].CONFIG[0].CurtailMode;
  return {
    mode: curtail.toLowerCase() === 'sleep' ? 'asleep' : 'running',
    powerTargetW: null,
    hashrateThs: json.summary[0].SUMMARY[0]['GHS 5s'] / 1000,
    powerW: json.power[0].POWER[0].Watts,
  };
}

describe('LuxOS joined read taken from the reply text', () => {
  it('gives what the full parse gives, running and asleep, whole and fractional figures', () => {
    for (const text of [
      reply(),
      reply({ curtail: 'Sleep', ghs: 0, watts: 20 }),
      reply({ ghs: 1.5e5, watts: 3499.75 }),
      reply({ status: ['I', 'S', 'I'] }),
    ]) {
      expect(joinedReadState(text)).toEqual(parsed(text));
    }
  });

  it('takes nothing from a reply cut anywhere before its end (a half-closed socket)', () => {
    const text = reply();
    for (let cut = 0; cut < text.length; cut++) expect(joinedReadState(text.slice(0, cut)), `cut at ${cut}`).toBeNull();
  });

  it('leaves to the full parse a section that did not answer S or I, a refused joined form, and a key met twice', () => {
    expect(joinedReadState(reply({ status: ['S', 'E', 'S'] }))).toBeNull();
    expect(joinedReadState('{"STATUS":[{"STATUS":"E","Code":45,"Msg":"Access denied to joined command"}],"id":1}')).toBeNull();
    const twice = reply().replace('"Elapsed":3600', '"Elapsed":3600,"Watts":1');
    expect(joinedReadState(twice)).toBeNull();
  });

  it('leaves to the full parse what is not plain: spaces after a colon, a string where a number goes, an escape, trailing bytes', () => {
    expect(joinedReadState(reply().replace('"Watts":3500', '"Watts": 3500'))).toBeNull();
    expect(joinedReadState(reply({ watts: '"3500"' }))).toBeNull();
    expect(joinedReadState(reply({ ghs: 'null' }))).toBeNull();
    expect(joinedReadState(reply({ curtail: 'Sl\\"eep' }))).toBeNull();
    expect(joinedReadState(`${reply()}}`)).toBeNull();
    expect(joinedReadState(`${reply()} `)).toBeNull();
    expect(joinedReadState('[1,2,3]')).toBeNull();
  });

  it('is not fooled by braces and keys inside strings', () => {
    // Inside a string a key's quotes are escaped, so it is never taken for the key itself.
    const text = reply().replace('"Profile":"default"', '"Profile":"{[\\"GHS 5s\\":1}"');
    expect(joinedReadState(text)).toEqual(parsed(text));
    const braces = reply().replace('"Profile":"default"', '"Profile":"}}]]"');
    expect(joinedReadState(braces)).toEqual(parsed(braces));
  });
});
